package lss

import (
	"github.com/gopercept/gopercept/internal/testfix"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
)

// movedRig returns the nuScenes rig as ego-motion compensation places it
// in frame f (RigMotions): every camera moves every frame.
func movedRig(f int) []bev.Camera { return MoveRig(testfix.NuScenesRig(), RigMotions(f, 6)) }

// TestBuilderEqualsNewGeometry rebuilds the geometry of a rig moving every
// frame with one Builder and one Pooler (Reset), and checks each frame's
// geometry and pooled tensor against a fresh NewGeometry and NewPooler:
// they must be identical, bit for bit.
func TestBuilderEqualsNewGeometry(t *testing.T) {
	cfg := Config{Sampling: SampleLinspace}
	var b Builder
	const c = 24
	var p *Pooler
	var prevCells []int32
	defer func() {
		if p != nil {
			p.Close()
		}
	}()
	for f := range 6 {
		cams := movedRig(f)
		if f == 4 { // a new calibration of one camera: its rays are redone
			cams[2].Fx *= 1.01
		}
		got, err := b.Build(cfg, cams)
		if err != nil {
			t.Fatal(err)
		}
		want, err := NewGeometry(cfg, cams)
		if err != nil {
			t.Fatal(err)
		}
		if got.Fingerprint != want.Fingerprint || got.Config != want.Config || got.Kept() != want.Kept() ||
			!slices.Equal(got.DepthIndex, want.DepthIndex) || !slices.Equal(got.Intervals, want.Intervals) ||
			!slices.Equal(got.pointCell, want.pointCell) {
			t.Fatalf("frame %d: Builder's geometry (%d kept, %d intervals) differs from NewGeometry's (%d, %d)",
				f, got.Kept(), len(got.Intervals), want.Kept(), len(want.Intervals))
		}
		if f > 0 && slices.Equal(got.pointCell, prevCells) {
			t.Fatalf("frame %d: the rig did not move any point", f)
		}
		prevCells = slices.Clone(got.pointCell)
		if p == nil {
			if p, err = NewPooler(got, c, 0); err != nil {
				t.Fatal(err)
			}
		} else if err := p.Reset(got); err != nil {
			t.Fatal(err)
		}
		fresh, err := NewPooler(want, c, 0)
		if err != nil {
			t.Fatal(err)
		}
		depth, feat := RandomInputs(want, c, uint64(f))
		a, e := make([]float32, p.OutputLen()), make([]float32, p.OutputLen())
		if err := p.Pool(depth, feat, a); err != nil {
			t.Fatal(err)
		}
		if err := fresh.Pool(depth, feat, e); err != nil {
			t.Fatal(err)
		}
		fresh.Close()
		if !slices.Equal(a, e) {
			t.Fatalf("frame %d: pooling after Reset differs from a fresh pooler", f)
		}
	}
}

func TestBuilderAllocs(t *testing.T) {
	cfg := Config{Sampling: SampleLinspace}
	var b Builder
	g, err := b.Build(cfg, movedRig(0))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPooler(g, 16, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rigs := [][]bev.Camera{movedRig(1), movedRig(2)}
	f := 0
	// Warm up: the buffers grow to the larger of the two geometries.
	for range 2 {
		g, _ = b.Build(cfg, rigs[f%2])
		_ = p.Reset(g)
		f++
	}
	if a := testing.AllocsPerRun(4, func() {
		g, _ = b.Build(cfg, rigs[f%2])
		if err := p.Reset(g); err != nil {
			t.Fatal(err)
		}
		f++
	}); a > 0 {
		t.Errorf("Build and Reset allocate %v times a frame", a)
	}
}
