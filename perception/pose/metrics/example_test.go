package metrics_test

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/metrics"
)

// ExampleCOCOEval scores one image with two people, one found exactly and
// one missed: recall 0.5 at every OKS threshold, AP 51/101.
func ExampleCOCOEval() {
	gt := func(x float32) metrics.Annotation {
		a := metrics.Annotation{Person: pose.Person{Box: [4]float32{x, 0, x + 60, 100}}}
		for j := range pose.NumKeypoints {
			a.Keypoints = append(a.Keypoints, pose.Keypoint{X: x + float32(3*j), Y: float32(5 * j), Visibility: pose.Visible})
		}
		return a
	}
	a, b := gt(0), gt(200)
	found := pose.Person{Score: 0.9, Keypoints: a.Keypoints}
	r, _ := metrics.COCOEval([]metrics.Image{{GT: []metrics.Annotation{a, b}, Pred: []pose.Person{found}}}, metrics.COCOConfig{})
	fmt.Printf("AP %.4f AP50 %.4f AR %.2f\n", r.AP, r.AP50, r.AR)
	// Output: AP 0.5050 AP50 0.5050 AR 0.50
}
