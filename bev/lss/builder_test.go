package lss

import (
	"math"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/bev"
)

// movedRig returns the nuScenes rig as ego-motion compensation places it
// in frame f: each camera moved by the vehicle's motion over its own
// offset from the cloud's stamp (up to ±40 ms at 10 m/s and 0.3 rad/s, a
// little pitch), so that every camera moves every frame.
func movedRig(f int) []bev.Camera {
	cams := nuScenesRig()
	for i := range cams {
		dt := (float64((f*7+i*5)%9) - 4) * 0.01 // −40 … +40 ms
		yaw, pitch := 0.3*dt, 0.002*math.Sin(float64(f+i))
		cy, sy, cp, sp := math.Cos(yaw), math.Sin(yaw), math.Cos(pitch), math.Sin(pitch)
		r := [9]float64{cy * cp, -sy, cy * sp, sy * cp, cy, sy * sp, -sp, 0, cp}
		m := [16]float64{r[0], r[1], r[2], 10 * dt, r[3], r[4], r[5], 0.5 * dt, r[6], r[7], r[8], 0.001 * float64(f%3), 0, 0, 0, 1}
		cams[i].Extrinsic = mul4(m, cams[i].Extrinsic)
	}
	return cams
}

func mul4(a, b [16]float64) [16]float64 {
	var c [16]float64
	for i := range 4 {
		for j := range 4 {
			for k := range 4 {
				c[4*i+j] += a[4*i+k] * b[4*k+j]
			}
		}
	}
	return c
}

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
		depth, feat := randomInputs(want, c, uint64(f))
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

// BenchmarkRebuild is the per-frame geometry work of bevfusion with
// ego-motion compensation: every camera moved, the geometry rebuilt by a
// Builder and the pooler Reset (BenchmarkGeometry is the same with
// NewGeometry and NewPooler from scratch, as the node did before).
func BenchmarkRebuild(b *testing.B) {
	cfg := Config{Sampling: SampleLinspace}
	var bl Builder
	rigs := [][]bev.Camera{movedRig(1), movedRig(2)}
	g, err := bl.Build(cfg, rigs[0])
	if err != nil {
		b.Fatal(err)
	}
	p, _ := NewPooler(g, 80, 0)
	defer p.Close()
	f := 0
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		g, _ = bl.Build(cfg, rigs[f%2])
		if err := p.Reset(g); err != nil {
			b.Fatal(err)
		}
		f++
	}
	b.ReportMetric(float64(processCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkRebuildFresh is what the node did before the Builder, every
// frame with ego-motion compensation: NewGeometry, NewPooler and closing
// the previous pooler.
func BenchmarkRebuildFresh(b *testing.B) {
	cfg := Config{Sampling: SampleLinspace}
	rigs := [][]bev.Camera{movedRig(1), movedRig(2)}
	var p *Pooler
	f := 0
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		g, err := NewGeometry(cfg, rigs[f%2])
		if err != nil {
			b.Fatal(err)
		}
		if p != nil {
			p.Close()
		}
		if p, err = NewPooler(g, 80, 0); err != nil {
			b.Fatal(err)
		}
		f++
	}
	p.Close()
	b.ReportMetric(float64(processCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}
