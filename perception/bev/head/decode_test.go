package head

import (
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

// newTensors returns zeroed head tensors for k classes on an h×w grid.
func newTensors(k, h, w int, vel bool) *Tensors {
	hw := h * w
	t := &Tensors{H: h, W: w, Heatmap: make([]float32, k*hw), Reg: make([]float32, 2*hw),
		Height: make([]float32, hw), Dim: make([]float32, 3*hw), Rot: make([]float32, 2*hw)}
	if vel {
		t.Vel = make([]float32, 2*hw)
	}
	return t
}

// setCell writes one cell's regression values.
func setCell(t *Tensors, y, x int, dx, dy, z, l, w, h, yaw, vx, vy float64) {
	hw := t.H * t.W
	p := y*t.W + x
	t.Reg[p], t.Reg[hw+p] = float32(dx), float32(dy)
	t.Height[p] = float32(z)
	t.Dim[p], t.Dim[hw+p], t.Dim[2*hw+p] = float32(math.Log(l)), float32(math.Log(w)), float32(math.Log(h))
	s, c := math.Sincos(yaw)
	t.Rot[p], t.Rot[hw+p] = float32(s), float32(c)
	if t.Vel != nil {
		t.Vel[p], t.Vel[hw+p] = float32(vx), float32(vy)
	}
}

func TestDecodeKnownPeak(t *testing.T) {
	// 0.075 m voxels, stride 8: 0.6 m cells; grid from (−54, −54).
	d, err := New(Config{NumClasses: 3, Stride: 8, Resolution: 0.075, MinX: -54, MinY: -54})
	if err != nil {
		t.Fatal(err)
	}
	tt := newTensors(3, 16, 20, true)
	hw := 16 * 20
	// Class 2 peak at row 5, column 7 with a lower neighbour; class 0 peak at (10, 3).
	tt.Heatmap[2*hw+5*20+7] = 0.9
	tt.Heatmap[2*hw+5*20+8] = 0.5
	tt.Heatmap[0*hw+10*20+3] = 0.4
	tt.Heatmap[1*hw+0] = 0.05 // below the threshold
	setCell(tt, 5, 7, 0.25, 0.75, 1.2, 4.5, 1.9, 1.6, 2.5, 3, -1)
	setCell(tt, 10, 3, 0.5, 0.5, -0.3, 0.8, 0.6, 1.7, -0.4, 0, 0)
	boxes, err := d.Decode(tt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != 2 {
		t.Fatalf("%d boxes, want 2 (the 0.5 neighbour is not a peak, 0.05 is below threshold): %+v", len(boxes), boxes)
	}
	want := []Box{
		{X: (7+0.25)*0.6 - 54, Y: (5+0.75)*0.6 - 54, Z: 1.2, L: 4.5, W: 1.9, H: 1.6, Yaw: 2.5, VX: 3, VY: -1, Score: 0.9, Class: 2},
		{X: (3+0.5)*0.6 - 54, Y: (10+0.5)*0.6 - 54, Z: -0.3, L: 0.8, W: 0.6, H: 1.7, Yaw: -0.4, Score: 0.4, Class: 0},
	}
	for i, w := range want {
		if !boxClose(boxes[i], w, 1e-5) {
			t.Errorf("box %d: %+v, want %+v", i, boxes[i], w)
		}
	}
}

func boxClose(a, b Box, tol float64) bool {
	return a.Class == b.Class && math.Abs(a.X-b.X) <= tol && math.Abs(a.Y-b.Y) <= tol && math.Abs(a.Z-b.Z) <= tol &&
		math.Abs(a.L-b.L) <= tol && math.Abs(a.W-b.W) <= tol && math.Abs(a.H-b.H) <= tol &&
		math.Abs(a.Yaw-b.Yaw) <= tol && math.Abs(a.VX-b.VX) <= tol && math.Abs(a.VY-b.VY) <= tol &&
		math.Abs(a.Score-b.Score) <= tol
}

func TestDecodeLogitsOrderAndOptions(t *testing.T) {
	d, err := New(Config{NumClasses: 1, Resolution: 0.5, HeatmapLogits: true, ScoreThreshold: 0.3,
		DimOrder: "wlh", LinearSize: true, HeightIsBottom: true, TopK: 2})
	if err != nil {
		t.Fatal(err)
	}
	tt := newTensors(1, 8, 8, false)
	for i := range tt.Heatmap {
		tt.Heatmap[i] = -10
	}
	logit := func(p float64) float32 { return float32(math.Log(p / (1 - p))) }
	tt.Heatmap[1*8+1] = logit(0.6)
	tt.Heatmap[6*8+6] = logit(0.8)
	tt.Heatmap[1*8+6] = logit(0.7)
	tt.Heatmap[6*8+1] = logit(0.25) // below 0.3
	p := 6*8 + 6
	tt.Dim[p], tt.Dim[64+p], tt.Dim[128+p] = 2, 5, 1.5 // w, l, h in metres
	tt.Height[p] = 0.1
	tt.Rot[64+p] = 1
	boxes, err := d.Decode(tt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != 2 {
		t.Fatalf("%d boxes, want TopK 2", len(boxes))
	}
	if math.Abs(boxes[0].Score-0.8) > 1e-6 || math.Abs(boxes[1].Score-0.7) > 1e-6 {
		t.Fatalf("scores %g, %g; want 0.8, 0.7", boxes[0].Score, boxes[1].Score)
	}
	b := boxes[0]
	if b.L != 5 || b.W != 2 || b.H != 1.5 || math.Abs(b.Z-0.85) > 1e-7 || b.X != 3 || b.Y != 3 {
		t.Fatalf("box %+v: want l 5, w 2, h 1.5, centre z 0.85, x = y = 3", b)
	}
}

func TestDecodeTiesAndBorders(t *testing.T) {
	d, err := New(Config{NumClasses: 1, Resolution: 1})
	if err != nil {
		t.Fatal(err)
	}
	tt := newTensors(1, 4, 4, false)
	tt.Heatmap[0] = 0.5 // corner peak: the window is clipped at the border
	tt.Heatmap[2*4+2], tt.Heatmap[2*4+3] = 0.7, 0.7
	boxes, err := d.Decode(tt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != 3 {
		t.Fatalf("%d boxes, want 3 (equal neighbours are both peaks, as max-pool equality keeps them)", len(boxes))
	}
	if boxes[0].X != 2 || boxes[1].X != 3 || boxes[2].X != 0 {
		t.Fatalf("order %+v: want ties by index, then the corner", boxes)
	}
	tt.Heatmap[5] = float32(math.NaN())
	if boxes, _ = d.Decode(tt, boxes[:0]); len(boxes) != 3 {
		t.Fatalf("NaN cell changed the result: %d boxes", len(boxes))
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		cfg    Config
		param  string
		value  any
		reason string
	}{
		{Config{Resolution: 1}, "head.Config.NumClasses", 0, "want > 0"},
		{Config{NumClasses: 1}, "head.Config.Resolution", 0.0, "want a finite value > 0 m"},
		{Config{NumClasses: 1, Resolution: 1, Stride: -1}, "head.Config.Stride", -1, "want > 0"},
		{Config{NumClasses: 1, Resolution: 1, PoolSize: 2}, "head.Config.PoolSize", 2, "want an odd number ≥ 1"},
		{Config{NumClasses: 1, Resolution: 1, DimOrder: "hwl"}, "head.Config.DimOrder", "hwl", "want lwh or wlh"},
		{Config{NumClasses: 1, Resolution: 1, ScoreThreshold: 1}, "head.Config.ScoreThreshold", 1.0, "want < 1"},
		{Config{NumClasses: 1, Resolution: 1, MinY: math.Inf(1)}, "head.Config.MinY", math.Inf(1), "must be finite"},
	} {
		_, err := New(c.cfg)
		var ce *configerr.Error
		if !errors.As(err, &ce) || !errors.Is(err, configerr.ErrInvalid) ||
			ce.Param != c.param || ce.Value != c.value || ce.Reason != c.reason {
			t.Errorf("%+v: error %v, want %s = %v: %s", c.cfg, err, c.param, c.value, c.reason)
		}
	}
	d, _ := New(Config{NumClasses: 2, Resolution: 1})
	tt := newTensors(2, 4, 4, true)
	tt.Rot = tt.Rot[:5]
	_, err := d.Decode(tt, nil)
	var se *ShapeError
	if !errors.As(err, &se) || se.Tensor != "rot" || se.Want != 32 || !errors.Is(err, ErrShape) {
		t.Fatalf("error %v, want a ShapeError for rot", err)
	}
}

func TestDecodeXAlongRows(t *testing.T) {
	d, err := New(Config{NumClasses: 1, Resolution: 1, XAlongRows: true})
	if err != nil {
		t.Fatal(err)
	}
	tt := newTensors(1, 4, 6, false)
	tt.Heatmap[1*6+4] = 0.9 // row 1 (x), column 4 (y)
	setCell(tt, 1, 4, 0.5, 0.25, 0, 1, 1, 1, 0, 0, 0)
	boxes, _ := d.Decode(tt, nil)
	if len(boxes) != 1 || boxes[0].X != 1.5 || boxes[0].Y != 4.25 {
		t.Fatalf("boxes %+v, want one at (1.5, 4.25)", boxes)
	}
}

// TestDecodeProposals decodes TransFusion-style proposals: the best class
// per proposal, centres in head cells, and the threshold.
func TestDecodeProposals(t *testing.T) {
	d, err := New(Config{NumClasses: 3, Stride: 8, Resolution: 0.075, MinX: -54, MinY: -54, ScoreThreshold: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	p := &Proposals{N: n,
		Score:  []float32{0.1, 0.05, 0.3 /* class 0 */, 0.7, 0.1, 0.2 /* class 1 */, 0.2, 0.15, 0.1 /* class 2 */},
		Center: []float32{90.5, 10, 100, 45.25, 170, 30},
		Height: []float32{1, 0.5, -1},
		Dim:    make([]float32, 3*n),
		Rot:    []float32{0, 1, 1, 1, 0, 0},
		Vel:    []float32{1, 0, 0, 2, 0, 0},
	}
	p.Dim[0], p.Dim[n], p.Dim[2*n] = float32(math.Log(4.5)), float32(math.Log(2)), float32(math.Log(1.7))
	boxes, err := d.DecodeProposals(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Proposal 0 → class 1 (0.7); proposal 2 → class 0 (0.3); proposal 1's
	// best is 0.15 < 0.2.
	if len(boxes) != 2 {
		t.Fatalf("%d boxes, want 2: %+v", len(boxes), boxes)
	}
	want := Box{X: 90.5*0.6 - 54, Y: 45.25*0.6 - 54, Z: 1, L: 4.5, W: 2, H: 1.7, Yaw: 0, VX: 1, VY: 2, Score: 0.7, Class: 1}
	if !boxClose(boxes[0], want, 1e-5) {
		t.Errorf("box 0 %+v, want %+v", boxes[0], want)
	}
	if boxes[1].Class != 0 || math.Abs(boxes[1].Score-0.3) > 1e-6 || math.Abs(boxes[1].Yaw-math.Pi/2) > 1e-6 {
		t.Errorf("box 1 %+v, want class 0 score 0.3 yaw π/2", boxes[1])
	}
	p.Rot = p.Rot[:1]
	if _, err := d.DecodeProposals(p, nil); err == nil {
		t.Error("short rot accepted")
	}
}
