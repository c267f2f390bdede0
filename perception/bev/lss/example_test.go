package lss_test

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/lss"
)

// Example lifts one forward camera into a small grid and pools a constant
// feature: each cell then holds the summed depth probability of the
// frustum points that fall in it, and the total is the number of kept
// points over the 15 depth bins (1776/15).
func Example() {
	cam := bev.Camera{
		Name: "front", Width: 64, Height: 32, Fx: 40, Fy: 40, Cx: 31.5, Cy: 15.5,
		// base_link←optical: optical z forward = base x, optical x right =
		// base −y, optical y down = base −z; mounted 1.5 m up.
		Extrinsic: [16]float64{0, 0, 1, 0, -1, 0, 0, 0, 0, -1, 0, 1.5, 0, 0, 0, 1},
	}
	cfg := lss.Config{
		Grid:     bev.Grid{XMin: 0, XMax: 16, YMin: -8, YMax: 8, Resolution: 1},
		DepthMin: 1, DepthMax: 16, DepthStep: 1,
		InputWidth: 64, InputHeight: 32, FeatWidth: 16, FeatHeight: 8,
	}
	lift, err := lss.NewLifter(cfg, 1, 1)
	if err != nil {
		panic(err)
	}
	defer lift.Close()
	cams := []bev.Camera{cam}
	d := cfg.DepthBins()
	depth := make([]float32, d*8*16)
	for i := range depth {
		depth[i] = 1 / float32(d) // uniform depth distribution
	}
	feat := make([]float32, 8*16)
	for i := range feat {
		feat[i] = 1
	}
	out := make([]float32, lift.OutputLen())
	rebuilt, err := lift.Pool(cams, depth, feat, out)
	fmt.Println(rebuilt, err)
	rebuilt, err = lift.Pool(cams, depth, feat, out)
	fmt.Println(rebuilt, err)
	g := lift.Geometry()
	fmt.Printf("%d of %d frustum points kept in %d cells\n", g.Kept(), g.Frustum(), len(g.Intervals))
	var total float32
	for _, v := range out {
		total += v
	}
	fmt.Printf("pooled mass %.2f\n", total)
	// Output:
	// true <nil>
	// false <nil>
	// 1776 of 1920 frustum points kept in 154 cells
	// pooled mass 118.40
}
