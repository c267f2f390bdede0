package bevfusionnode

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/lss"
)

// TestLifterReusesGeometry runs the lifter as the node does with ego-motion
// compensation, every camera moved every frame, and checks that the static
// rig is lifted once per calibration, that the pooler and its workers are
// kept, that each frame's pooled camera BEV is bit for bit that of a fresh
// lss.MovingGeometry moved alike, and that without motion it is bit for
// bit a fresh lss.NewGeometry's.
func TestLifterReusesGeometry(t *testing.T) {
	grid := bev.Grid{XMin: -20, XMax: 20, YMin: -20, YMax: 20, Resolution: 0.5}
	cfg := lss.Config{Grid: grid, DepthMin: 1, DepthMax: 30, DepthStep: 0.5, InputWidth: 352, InputHeight: 128,
		FeatWidth: 44, FeatHeight: 16, Sampling: lss.SampleLinspace}
	const chans = 16
	l := &lifter{cfg: cfg, chans: chans}
	defer l.close()
	rng := rand.New(rand.NewPCG(5, 6))
	rig := make([]bev.Camera, 3)
	for i := range rig {
		yaw := 2 * math.Pi * float64(i) / 3
		c, s := math.Cos(yaw), math.Sin(yaw)
		// Optical frame (x right, y down, z forward) in base_link.
		rig[i] = bev.Camera{Name: "cam", Width: 800, Height: 450, Fx: 600, Fy: 600, Cx: 400, Cy: 225,
			Aug: bev.ResizeCrop(0.44, 0.44, 0, 70),
			Extrinsic: [16]float64{s, 0, c, 0.2 * c,
				-c, 0, s, 0.2 * s,
				0, -1, 0, 1.6,
				0, 0, 0, 1}}
	}
	ident := make([][16]float64, len(rig))
	for i := range ident {
		ident[i] = [16]float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
	}
	var first *lss.Pooler
	for f := range 6 {
		if f == 4 { // a new calibration: lifted again
			rig[1].Fx *= 1.01
		}
		motions := lss.RigMotions(f, len(rig))
		if f == 5 {
			motions = ident
		}
		rebuilt, err := l.ensure(rig, motions)
		if err != nil || rebuilt != (f == 0 || f == 4) {
			t.Fatalf("frame %d: rebuilt %v, %v", f, rebuilt, err)
		}
		if first == nil {
			first = l.pooler
		} else if l.pooler != first {
			t.Fatalf("frame %d: a new pooler, want the first one Reset", f)
		}
		var g *lss.Geometry
		if f == 5 {
			g, err = lss.NewGeometry(cfg, rig)
		} else {
			var m *lss.MovingGeometry
			if m, err = lss.NewMovingGeometry(cfg, rig, 0); err == nil {
				g, err = m.Move(motions)
			}
		}
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
			t.Fatalf("frame %d: the lifter pools other values than a fresh geometry (%d vs %d points kept)", f, l.geom.Kept(), g.Kept())
		}
	}
	if l.rebuilt != 2 {
		t.Fatalf("%d builds, want 2", l.rebuilt)
	}
}
