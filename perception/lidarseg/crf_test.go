package lidarseg

import (
	"fmt"
	"math"
	"testing"
)

// strip builds a 1×w range image with one point per pixel at x = distance
// and the given logits (two classes).
func strip(xs []float32, logit1 []float32) (*Projection, *Cloud, []float32) {
	w := len(xs)
	proj := &Projection{Height: 1, Width: w, PixelPoint: make([]int32, w)}
	cl := &Cloud{X: make([]float32, w), Y: make([]float32, w), Z: make([]float32, w)}
	logits := make([]float32, 2*w)
	for i := range w {
		proj.PixelPoint[i] = int32(i)
		cl.X[i], cl.Y[i] = xs[i], 0.05*float32(i)
		logits[w+i] = logit1[i] // class 1; class 0 stays 0
	}
	return proj, cl, logits
}

// TestCRFSmoothsWithinASurfaceNotAcrossAnEdge: a pixel whose logits weakly
// prefer class 0 inside a run of class 1 on one surface flips to 1; the
// same pixel alone on a surface 5 m behind keeps its class.
func TestCRFSmoothsWithinASurfaceNotAcrossAnEdge(t *testing.T) {
	cfg := CRFConfig{Iterations: 3, WindowRows: 1, WindowCols: 5, ThetaAngular: 0.9, ThetaRange: 0.15, AngularWeight: 0, BilateralWeight: 3}
	crf, err := NewCRF(cfg, 2, 1, 9)
	if err != nil {
		t.Fatal(err)
	}
	l1 := []float32{3, 3, 3, 3, -0.3, 3, 3, 3, 3}
	labels := make([]uint16, 9)
	proj, cloud, logits := strip([]float32{10, 10, 10, 10, 10, 10, 10, 10, 10}, l1)
	if err := crf.Apply(labels, logits, proj, cloud); err != nil {
		t.Fatal(err)
	}
	if labels[4] != 1 {
		t.Fatalf("pixel on the same surface kept class %d: %v", labels[4], labels)
	}
	proj, cloud, logits = strip([]float32{10, 10, 10, 10, 15, 10, 10, 10, 10}, l1)
	if err := crf.Apply(labels, logits, proj, cloud); err != nil {
		t.Fatal(err)
	}
	if labels[4] != 0 {
		t.Fatalf("pixel 5 m behind took its neighbours' class: %v", labels)
	}
	// The strong pixels never change.
	for i, l := range labels {
		if i != 4 && l != 1 {
			t.Fatalf("pixel %d changed to %d", i, l)
		}
	}
	// Empty pixels keep the plain argmax and pass no messages.
	proj.PixelPoint[3], proj.PixelPoint[5] = -1, -1
	if err := crf.Apply(labels, logits, proj, cloud); err != nil || labels[3] != 1 || labels[4] != 0 {
		t.Fatalf("with empty neighbours: %v %v", labels, err)
	}
	allocs := testing.AllocsPerRun(5, func() { crf.Apply(labels, logits, proj, cloud) })
	if allocs != 0 {
		t.Fatalf("%v allocations a frame after warm-up", allocs)
	}
}

// TestCRFWrapsAzimuth: the first and last columns are neighbours on a
// spinning lidar's image.
func TestCRFWrapsAzimuth(t *testing.T) {
	cfg := CRFConfig{Iterations: 2, WindowRows: 1, WindowCols: 3, ThetaAngular: 0.9, ThetaRange: 0.15, AngularWeight: 0, BilateralWeight: 5}
	crf, err := NewCRF(cfg, 2, 1, 6)
	if err != nil {
		t.Fatal(err)
	}
	proj, cloud, logits := strip([]float32{10, 10, 10, 10, 10, 10}, []float32{-0.2, -3, -3, -3, 3, 3})
	cloud.Y[0] = cloud.Y[5] + 0.05 // column 0 sits next to column 5
	labels := make([]uint16, 6)
	if err := crf.Apply(labels, logits, proj, cloud); err != nil {
		t.Fatal(err)
	}
	if labels[0] != 1 {
		t.Fatalf("labels %v: column 0 did not hear column 5", labels)
	}
}

func TestCRFConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg           CRFConfig
		param, reason string
	}{
		{CRFConfig{Iterations: 0, WindowRows: 3, WindowCols: 5, ThetaAngular: 1, ThetaRange: 1}, "lidarseg.CRFConfig.Iterations", "want 1..20"},
		{CRFConfig{Iterations: 1, WindowRows: 2, WindowCols: 5, ThetaAngular: 1, ThetaRange: 1}, "lidarseg.CRFConfig.WindowRows", "want odd 1..15"},
		{CRFConfig{Iterations: 1, WindowRows: 3, WindowCols: 5, ThetaAngular: 0, ThetaRange: 1}, "lidarseg.CRFConfig.ThetaAngular", "want finite > 0"},
		{CRFConfig{Iterations: 1, WindowRows: 3, WindowCols: 5, ThetaAngular: 1, ThetaRange: math.NaN()}, "lidarseg.CRFConfig.ThetaRange", "want finite > 0"},
		{CRFConfig{Iterations: 1, WindowRows: 3, WindowCols: 5, ThetaAngular: 1, ThetaRange: 1, BilateralWeight: -1}, "lidarseg.CRFConfig.BilateralWeight", "want finite ≥ 0"},
	} {
		_, err := NewCRF(c.cfg, 2, 4, 4)
		wantConfigErr(t, fmt.Sprintf("%+v", c.cfg), err, c.param, c.reason)
	}
}

// BenchmarkCRF64x2048 is the CRF on the size lidarseg-small outputs:
// 64×2048 pixels, 20 classes, every pixel showing a point, 3 iterations.
func BenchmarkCRF64x2048(b *testing.B) {
	const h, w, classes = 64, 2048, 20
	crf, err := NewCRF(DefaultCRFConfig(), classes, h, w)
	if err != nil {
		b.Fatal(err)
	}
	proj := &Projection{Height: h, Width: w, PixelPoint: make([]int32, h*w)}
	cl := &Cloud{X: make([]float32, h*w), Y: make([]float32, h*w), Z: make([]float32, h*w)}
	logits := make([]float32, classes*h*w)
	for i := range h * w {
		proj.PixelPoint[i] = int32(i)
		az := 2 * math.Pi * float64(i%w) / w
		r := 5 + 20*float64((i*7919)%97)/97
		cl.X[i], cl.Y[i], cl.Z[i] = float32(r*math.Cos(az)), float32(r*math.Sin(az)), float32(-1.7+0.05*float64(i/w))
	}
	for i := range logits {
		logits[i] = float32((i*2654435761)%1000) / 250
	}
	labels := make([]uint16, h*w)
	b.ReportAllocs()
	for b.Loop() {
		if err := crf.Apply(labels, logits, proj, cl); err != nil {
			b.Fatal(err)
		}
	}
}

func TestExpNeg(t *testing.T) {
	for x := float32(-90); x <= 0; x += 0.0137 {
		want := math.Exp(float64(x))
		got := float64(expNeg(x))
		if want < 1e-37 {
			if got > 1e-36 {
				t.Fatalf("expNeg(%g) = %g, want ~0", x, got)
			}
			continue
		}
		if math.Abs(got-want)/want > 5e-6+1e-7*math.Abs(float64(x)) {
			t.Fatalf("expNeg(%g) = %g, want %g", x, got, want)
		}
	}
	if expNeg(0) != 1 || expNeg(float32(math.Inf(-1))) != 0 {
		t.Fatal("expNeg(0) or expNeg(-Inf)")
	}
}
