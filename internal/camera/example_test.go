package camera_test

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/camera"
	"gonum.org/v1/gonum/spatial/r3"
)

func ExampleFromCameraInfo() {
	m, err := camera.FromCameraInfo(640, 480, camera.PlumbBob,
		[]float64{-0.28, 0.07, 0, 0, 0}, [9]float64{500, 0, 320, 0, 500, 240, 0, 0, 1})
	if err != nil {
		panic(err)
	}
	u, v, ok := m.Project(r3.Vec{X: 0.5, Y: 0.25, Z: 2})
	fmt.Printf("%.2f %.2f %v\n", u, v, ok)
	x, y := m.Undistort(u, v)
	fmt.Printf("%.4f %.4f\n", x*2, y*2)
	// Output:
	// 442.32 301.16 true
	// 0.5000 0.2500
}
