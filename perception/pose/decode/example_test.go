package decode_test

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/decode"
	"github.com/gopercept/gopercept/perception/pose/preprocess"
)

// Example runs the top-down path without a model: crop a detected person,
// pretend the model answered with one-hot heatmaps, decode with DARK and map
// the keypoints back to the image.
func Example() {
	img := &imageconv.RGB{Width: 640, Height: 480, Pix: make([]uint8, 640*480*3)}
	crop, _ := preprocess.NewCropper(preprocess.CropConfig{}) // 192×256, ×1.25, ImageNet
	boxes := [][4]float32{{200, 100, 300, 400}}
	input := make([]float32, crop.TensorLen(len(boxes))) // the model's [1,3,256,192] input
	xf := make([]pose.Affine, len(boxes))
	if err := crop.Run(img, boxes, input, xf); err != nil {
		fmt.Println(err)
		return
	}

	// The model's [1,17,64,48] heatmaps: every keypoint at cell (24, 32),
	// the crop centre.
	const k, h, w = pose.NumKeypoints, 64, 48
	heatmaps := make([]float32, k*h*w)
	for j := range k {
		heatmaps[j*h*w+32*w+24] = 1
	}
	dec, _ := decode.New("dark", decode.Config{InputWidth: 192, InputHeight: 256})
	people, err := dec.Decode([]decode.Tensor{{Name: "heatmaps", Shape: []int{1, k, h, w}, Data: heatmaps}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := decode.MapTopDown(people, xf); err != nil {
		fmt.Println(err)
		return
	}
	nose := people[0].Keypoints[pose.Nose]
	fmt.Printf("nose at (%.0f, %.0f) px, score %.1f\n", nose.X, nose.Y, nose.Score)
	// Output: nose at (250, 250) px, score 1.0
}

// ExampleNew_yoloPose decodes a YOLOv8-pose output [1, 56, A] with NMS.
func ExampleNew_yoloPose() {
	const a = 3 // anchors (8400 in a real model)
	out := make([]float32, 56*a)
	set := func(anchor int, cx, cy, bw, bh, score float32) {
		for ch, v := range []float32{cx, cy, bw, bh, score} {
			out[ch*a+anchor] = v
		}
	}
	set(0, 100, 200, 50, 150, 0.9)
	set(1, 102, 201, 50, 150, 0.8) // the same person again: suppressed
	set(2, 400, 200, 60, 160, 0.1) // below the score threshold
	dec, _ := decode.New("yolov8_pose", decode.Config{})
	people, _ := dec.Decode([]decode.Tensor{{Name: "output0", Shape: []int{1, 56, a}, Data: out}}, nil)
	for _, p := range people {
		fmt.Printf("box %v score %.1f\n", p.Box, p.Score)
	}
	// Output: box [75 125 125 275] score 0.9
}
