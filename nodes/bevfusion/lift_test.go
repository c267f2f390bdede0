package bevfusionnode

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/bev"
	"github.com/gopercept/gopercept/bev/lss"
)

// TestLifterReusesGeometry runs the lifter as the node does with ego-motion
// compensation, every camera moved every frame, and checks that each
// frame's pooled camera BEV is bit for bit the one a fresh
// lss.NewGeometry and lss.NewPooler give, and that the pooler's workers
// are kept (one pooler for all frames).
func TestLifterReusesGeometry(t *testing.T) {
	grid := bev.Grid{XMin: -20, XMax: 20, YMin: -20, YMax: 20, Resolution: 0.5}
	cfg := lss.Config{Grid: grid, DepthMin: 1, DepthMax: 30, DepthStep: 0.5, InputWidth: 352, InputHeight: 128,
		FeatWidth: 44, FeatHeight: 16, Sampling: lss.SampleLinspace}
	const chans = 16
	l := &lifter{cfg: cfg, chans: chans}
	defer l.close()
	rng := rand.New(rand.NewPCG(5, 6))
	var first *lss.Pooler
	for f := range 5 {
		rig := make([]bev.Camera, 3)
		for i := range rig {
			yaw := 2*math.Pi*float64(i)/3 + 0.01*float64(f) // the vehicle turning
			c, s := math.Cos(yaw), math.Sin(yaw)
			// Optical frame (x right, y down, z forward) in base_link.
			rig[i] = bev.Camera{Name: "cam", Width: 800, Height: 450, Fx: 600, Fy: 600, Cx: 400, Cy: 225,
				Aug: bev.ResizeCrop(0.44, 0.44, 0, 70),
				Extrinsic: [16]float64{s, 0, c, 0.4*float64(f) + rng.Float64()*0.01,
					-c, 0, s, 0.01 * float64(i),
					0, -1, 0, 1.6,
					0, 0, 0, 1}}
		}
		rebuilt, err := l.ensure(rig)
		if err != nil || !rebuilt {
			t.Fatalf("frame %d: rebuilt %v, %v", f, rebuilt, err)
		}
		if first == nil {
			first = l.pooler
		} else if l.pooler != first {
			t.Fatalf("frame %d: a new pooler, want the first one Reset", f)
		}
		g, err := lss.NewGeometry(cfg, rig)
		if err != nil {
			t.Fatal(err)
		}
		p, err := lss.NewPooler(g, chans, 0)
		if err != nil {
			t.Fatal(err)
		}
		hw := g.FH * g.FW
		depth, feat := make([]float32, g.NCam*g.D*hw), make([]float32, g.NCam*chans*hw)
		for i := range depth {
			depth[i] = rng.Float32()
		}
		for i := range feat {
			feat[i] = rng.Float32()*2 - 1
		}
		got, want := make([]float32, p.OutputLen()), make([]float32, p.OutputLen())
		if err := l.pooler.Pool(depth, feat, got); err != nil {
			t.Fatal(err)
		}
		if err := p.Pool(depth, feat, want); err != nil {
			t.Fatal(err)
		}
		p.Close()
		if g.Kept() == 0 || !slices.Equal(got, want) || l.geom.Kept() != g.Kept() {
			t.Fatalf("frame %d: reused geometry pools other values than a fresh one (%d vs %d points kept)", f, l.geom.Kept(), g.Kept())
		}
	}
	if l.rebuilt != 5 {
		t.Fatalf("%d builds, want 5", l.rebuilt)
	}
}
