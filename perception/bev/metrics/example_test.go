package metrics_test

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/bev/metrics"
)

// Example scores one frame with a close hit and a false alarm. The false
// alarm comes after the hit, so it only lowers the precision at recall 1
// (to 0.5): AP = (89·0.9 + 0.4)/90/0.9 ≈ 0.994.
func Example() {
	gt := []metrics.Box{{X: 10, Y: 2, L: 4.5, W: 1.9, H: 1.6}}
	pred := []metrics.Box{
		{X: 10.4, Y: 2, L: 4.2, W: 1.9, H: 1.6, Score: 0.8},
		{X: -20, Y: 5, L: 4, W: 2, H: 1.5, Score: 0.3},
	}
	r, err := metrics.Evaluate(metrics.Config{Classes: []metrics.ClassConfig{{Name: "car"}}},
		[][]metrics.Box{gt}, [][]metrics.Box{pred})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := r.Classes[0]
	fmt.Printf("AP@0.5 %.2f AP@1 %.2f mAP %.2f ATE %.2f m ASE %.3f\n", c.AP[0], c.AP[1], r.MAP, c.ATE, c.ASE)
	// Output: AP@0.5 0.99 AP@1 0.99 mAP 0.99 ATE 0.40 m ASE 0.067
}
