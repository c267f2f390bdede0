package head_test

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/perception/bev/head"
)

// Example decodes one planted peak and keeps it through Scale-NMS.
func Example() {
	dec, _ := head.New(head.Config{NumClasses: 2, Stride: 8, Resolution: 0.1, MinX: -51.2, MinY: -51.2})
	const h, w = 128, 128
	hw := h * w
	t := &head.Tensors{H: h, W: w, Heatmap: make([]float32, 2*hw), Reg: make([]float32, 2*hw),
		Height: make([]float32, hw), Dim: make([]float32, 3*hw), Rot: make([]float32, 2*hw)}
	p := 70*w + 64 // row 70, column 64
	t.Heatmap[hw+p] = 0.8
	t.Reg[p], t.Reg[hw+p] = 0.5, 0.5
	t.Dim[p], t.Dim[hw+p], t.Dim[2*hw+p] = float32(math.Log(0.6)), float32(math.Log(0.6)), float32(math.Log(1.7))
	t.Rot[hw+p] = 1 // cos = 1: yaw 0
	boxes, _ := dec.Decode(t, nil)
	nms, _ := head.NewNMS(head.NMSConfig{IoUThreshold: 0.2, Scale: []float64{1, 4.5}})
	for _, b := range nms.Apply(boxes) {
		fmt.Printf("class %d score %.2f at (%.2f, %.2f) size %.1f×%.1f×%.1f yaw %.1f\n", b.Class, b.Score, b.X, b.Y, b.L, b.W, b.H, b.Yaw)
	}
	// Output: class 1 score 0.80 at (0.40, 5.20) size 0.6×0.6×1.7 yaw 0.0
}
