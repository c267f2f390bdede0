package preprocess_test

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose/preprocess"
)

// ExampleLetterbox fits a 1920×1080 frame into YOLO's 640×640 input and maps
// an input point back to the image.
func ExampleLetterbox() {
	img := &imageconv.RGB{Width: 1920, Height: 1080, Pix: make([]uint8, 1920*1080*3)}
	lb, _ := preprocess.NewLetterbox(preprocess.LetterboxConfig{Size: 640})
	input := make([]float32, lb.TensorLen()) // [1,3,640,640], reused every frame
	toInput, _ := lb.Run(img, input)
	toImage, _ := toInput.Inverse()
	x, y := toImage.Apply(320, 140) // top edge of the content, centre
	fmt.Printf("scale %.4f, top padding %.0f px; input (320, 140) is image (%.0f, %.0f)\n", toInput[0], toInput[5], x, y)
	// Output: scale 0.3333, top padding 140 px; input (320, 140) is image (960, 0)
}

// ExampleCropper_CenterScale shows SimpleBaseline's box scaling: ×1.25, then
// grown to the 192:256 aspect ratio.
func ExampleCropper_CenterScale() {
	c, _ := preprocess.NewCropper(preprocess.CropConfig{})
	cx, cy, w, h, _ := c.CenterScale([4]float32{100, 100, 200, 400})
	fmt.Printf("centre (%.0f, %.0f), region %.1f × %.1f px\n", cx, cy, w, h)
	// Output: centre (150, 250), region 281.2 × 375.0 px
}
