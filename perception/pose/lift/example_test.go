package lift_test

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/lift"
)

func ExampleLifter_Lift() {
	cam, _ := camera.FromCameraInfo(64, 48, camera.PlumbBob, []float64{-0.1, 0.02, 0, 0, 0},
		[9]float64{60, 0, 31.5, 0, 60, 23.5, 0, 0, 1})
	// A wall 2 m away with a hole (no depth) and a 0.5 m occluder near the
	// keypoint.
	depth := &imageconv.Depth{Width: 64, Height: 48, M: make([]float32, 64*48)}
	for i := range depth.M {
		depth.M[i] = 2
	}
	depth.M[20*64+40], depth.M[21*64+41], depth.M[22*64+39] = 0, 0.5, 0.5
	l, _ := lift.New(lift.Config{Window: 5})
	kps := []pose.Keypoint{{X: 40, Y: 21, Score: 0.9, Visibility: pose.Visible}}
	joints, err := l.Lift(cam, depth, kps, nil)
	if err != nil {
		panic(err)
	}
	j := joints[0]
	fmt.Printf("valid %v, %d of 25 depths kept, P = (%.3f, %.3f, %.3f) m, σz = %.3f m\n",
		j.Valid, j.Samples, j.P.X, j.P.Y, j.P.Z, math.Sqrt(j.Cov[8]))
	// Output:
	// valid true, 22 of 25 depths kept, P = (0.284, -0.084, 2.000) m, σz = 0.008 m
}
