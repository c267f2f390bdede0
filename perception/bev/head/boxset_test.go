package head

import (
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

// TestBoxSetRoundTrip encodes known boxes in PETR's column order (log
// sizes, sin/cos, velocity) and in an mmdet3d 0.x-like order (linear
// sizes, bare yaw turned by −yaw − π/2), decodes them and gets them back to
// float32 rounding, best score first, with the threshold and top-k applied
// and no suppression of overlapping boxes.
func TestBoxSetRoundTrip(t *testing.T) {
	want := []Box{
		{X: 12.5, Y: -3.25, Z: 0.8, W: 1.9, L: 4.6, H: 1.6, Yaw: 0.3, VX: 5, VY: -0.5, Class: 0, Score: 0.9},
		{X: -20, Y: 30, Z: 1.7, W: 2.5, L: 10, H: 3.4, Yaw: -2.9, VX: 0, VY: 0, Class: 1, Score: 0.7},
		{X: 12.6, Y: -3.2, Z: 0.8, W: 1.9, L: 4.6, H: 1.6, Yaw: 0.31, VX: 5, VY: -0.5, Class: 0, Score: 0.55}, // overlaps the first: kept
		{X: 3, Y: 4, Z: 0.9, W: 0.6, L: 0.6, H: 1.8, Yaw: 1.5, VX: 1, VY: 1, Class: 2, Score: 0.3},
	}
	const below = 0.05 // a fifth hypothesis under the threshold
	for _, cfg := range []BoxSetConfig{
		{Columns: []string{"x", "y", "z", "w", "l", "h", "sin", "cos", "vx", "vy"}, NumClasses: 3, LogSize: true},
		{Columns: []string{"x", "y", "z", "l", "w", "h", "yaw"}, NumClasses: 3, Scores: "probability", YawSign: -1, YawOffset: -math.Pi / 2},
	} {
		d, err := NewBoxSetDecoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		nc, q := len(cfg.Columns), len(want)+1
		boxes, scores := make([]float32, q*nc), make([]float32, q*3)
		// Queries in a scrambled order: the decoder sorts by score.
		order := []int{2, 4, 0, 3, 1}
		for qi, wi := range order {
			b := Box{X: 1, Y: 1, W: 1, L: 1, H: 1, Score: below}
			if wi < len(want) {
				b = want[wi]
			}
			if err := d.Encode(b, boxes[qi*nc:(qi+1)*nc]); err != nil {
				t.Fatal(err)
			}
			for c := range 3 {
				p := 0.01
				if c == b.Class {
					p = b.Score
				}
				if cfg.Scores == "probability" {
					scores[qi*3+c] = float32(p)
				} else {
					scores[qi*3+c] = float32(math.Log(p / (1 - p)))
				}
			}
		}
		got, err := d.Decode(boxes, scores, q, 0.1, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%v: %d boxes, want %d: %+v", cfg.Columns, len(got), len(want), got)
		}
		for i, g := range got {
			w := want[i]
			dyaw := math.Remainder(g.Yaw-w.Yaw, 2*math.Pi)
			if g.Class != w.Class || math.Abs(g.Score-w.Score) > 1e-6 || math.Abs(dyaw) > 1e-6 {
				t.Errorf("%v box %d: class %d score %g yaw %g, want %d %g %g", cfg.Columns, i, g.Class, g.Score, g.Yaw, w.Class, w.Score, w.Yaw)
			}
			for _, v := range [][3]float64{{g.X, w.X, 1e-5}, {g.Y, w.Y, 1e-5}, {g.Z, w.Z, 1e-6}, {g.W, w.W, 1e-6}, {g.L, w.L, 1e-5}, {g.H, w.H, 1e-6}} {
				if math.Abs(v[0]-v[1]) > v[2]*math.Max(1, math.Abs(v[1])) {
					t.Errorf("%v box %d: %+v, want %+v", cfg.Columns, i, g, w)
					break
				}
			}
			if d.HasVelocity() && (math.Abs(g.VX-w.VX) > 1e-6 || math.Abs(g.VY-w.VY) > 1e-6) {
				t.Errorf("%v box %d velocity (%g, %g), want (%g, %g)", cfg.Columns, i, g.VX, g.VY, w.VX, w.VY)
			}
		}
		top2, _ := d.Decode(boxes, scores, q, 0.1, 2, nil)
		if len(top2) != 2 || top2[0].Score != got[0].Score || top2[1].Score != got[1].Score {
			t.Errorf("top-2: %+v", top2)
		}
	}
}

// TestBoxSetSoftmax decodes DETR's softmax scores: the last class is no
// object and never wins.
func TestBoxSetSoftmax(t *testing.T) {
	d, err := NewBoxSetDecoder(BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h", "yaw"}, NumClasses: 3, Scores: "softmax"})
	if err != nil {
		t.Fatal(err)
	}
	boxes := []float32{1, 2, 1, 1, 1, 0, 3, 4, 1, 1, 1, 0}
	// Query 0: no-object dominates but car still has 0.2; query 1: truck.
	scores := []float32{float32(math.Log(0.2)), float32(math.Log(0.1)), float32(math.Log(0.7)), float32(math.Log(0.1)), float32(math.Log(0.8)), float32(math.Log(0.1))}
	got, err := d.Decode(boxes, scores, 2, 0.15, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Class != 1 || math.Abs(got[0].Score-0.8) > 1e-6 || got[1].Class != 0 || math.Abs(got[1].Score-0.2) > 1e-6 || got[1].X != 1 {
		t.Fatalf("got %+v", got)
	}
}

func TestBoxSetErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg           BoxSetConfig
		param, reason string
	}{
		{BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h"}, NumClasses: 1}, "head.BoxSetConfig.Columns", "want sin and cos, or yaw"},
		{BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h", "sin"}, NumClasses: 1}, "head.BoxSetConfig.Columns", "want sin and cos, or yaw"},
		{BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h", "yaw", "vx"}, NumClasses: 1}, "head.BoxSetConfig.Columns", "vx and vy go together"},
		{BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h", "yaw", "yaw"}, NumClasses: 1}, "head.BoxSetConfig.Columns[6]", "repeated column"},
		{BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h", "yaw"}, NumClasses: 1, Scores: "softmax"}, "head.BoxSetConfig.NumClasses", "want at least one class (two for softmax)"},
		{BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h", "yaw"}, NumClasses: 1, YawSign: 2}, "head.BoxSetConfig.YawSign", "want 1 or -1"},
	} {
		var ce *configerr.Error
		if _, err := NewBoxSetDecoder(tc.cfg); !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
			ce.Param != tc.param || ce.Reason != tc.reason {
			t.Errorf("%+v: got %v, want %s: %s", tc.cfg, err, tc.param, tc.reason)
		}
	}
	d, _ := NewBoxSetDecoder(BoxSetConfig{Columns: []string{"x", "y", "w", "l", "h", "yaw"}, NumClasses: 2})
	if _, err := d.Decode(make([]float32, 12), make([]float32, 3), 2, 0.1, 0, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short scores: %v", err)
	}
	// A NaN box value drops the hypothesis, not the frame.
	boxes := []float32{float32(math.NaN()), 0, 1, 1, 1, 0, 5, 0, 1, 1, 1, 0}
	got, err := d.Decode(boxes, []float32{5, -5, 5, -5}, 2, 0.1, 0, nil)
	if err != nil || len(got) != 1 || got[0].X != 5 {
		t.Errorf("NaN row: %+v, %v", got, err)
	}
}
