package head

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNMSRotated(t *testing.T) {
	n, err := NewNMS(NMSConfig{IoUThreshold: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	boxes := []Box{
		{X: 0.3, L: 4, W: 2, Score: 0.6, Class: 0},         // overlaps the best car: suppressed
		{X: 0, L: 4, W: 2, Score: 0.9, Class: 0},           // best car
		{X: 0, L: 4, W: 2, Score: 0.8, Class: 1},           // other class: kept
		{X: 10, L: 4, W: 2, Score: 0.7, Class: 0},          // far: kept
		{X: 3.5, L: 4, W: 2, Yaw: math.Pi / 2, Score: 0.5}, // touches the best car with IoU 1/15: kept
	}
	got := n.Apply(boxes)
	scores := []float64{}
	for _, b := range got {
		scores = append(scores, b.Score)
	}
	if !slices.Equal(scores, []float64{0.9, 0.8, 0.7, 0.5}) {
		t.Fatalf("kept scores %v, want [0.9 0.8 0.7 0.5]", scores)
	}
	agn, _ := NewNMS(NMSConfig{IoUThreshold: 0.2, ClassAgnostic: true, PostMax: 2})
	got = agn.Apply([]Box{{L: 4, W: 2, Score: 0.9}, {L: 4, W: 2, Score: 0.8, Class: 1}, {X: 9, L: 1, W: 1, Score: 0.1, Class: 2}, {X: 20, L: 1, W: 1, Score: 0.05}})
	if len(got) != 2 || got[0].Score != 0.9 || got[1].Score != 0.1 {
		t.Fatalf("class-agnostic with PostMax 2: %+v", got)
	}
}

// TestScaleNMS checks BEVDet's point: two pedestrian detections 0.5 m apart
// do not overlap at their true 0.6 m size, so plain NMS keeps both; scaled by
// 4.5 they overlap and the duplicate goes, while cars keep their scale 1.
func TestScaleNMS(t *testing.T) {
	peds := func() []Box {
		return []Box{{X: 0, L: 0.6, W: 0.6, Score: 0.9, Class: 1}, {X: 0.7, L: 0.6, W: 0.6, Score: 0.8, Class: 1},
			{X: 10, L: 4, W: 2, Score: 0.7}, {X: 15, L: 4, W: 2, Score: 0.6}}
	}
	plain, _ := NewNMS(NMSConfig{IoUThreshold: 0.2})
	if got := plain.Apply(peds()); len(got) != 4 {
		t.Fatalf("plain NMS kept %d, want 4", len(got))
	}
	scaled, _ := NewNMS(NMSConfig{IoUThreshold: 0.2, Scale: []float64{1, 4.5}})
	got := scaled.Apply(peds())
	if len(got) != 3 || got[0].Score != 0.9 || got[1].Score != 0.7 || got[2].Score != 0.6 {
		t.Fatalf("Scale-NMS kept %+v, want the 0.9 pedestrian and both cars", got)
	}
	if got[0].L != 0.6 {
		t.Fatalf("Scale-NMS changed the output size to %g", got[0].L)
	}
}

func TestCircleNMS(t *testing.T) {
	n, err := NewNMS(NMSConfig{Kind: CircleNMS, Radius: []float64{4, 0.175}})
	if err != nil {
		t.Fatal(err)
	}
	got := n.Apply([]Box{{Score: 0.9}, {X: 3.9, Score: 0.8}, {X: 4.1, Score: 0.7}, {Y: 0.2, Score: 0.6, Class: 1}, {Y: 0.3, Score: 0.5, Class: 1}})
	var s []float64
	for _, b := range got {
		s = append(s, b.Score)
	}
	if !slices.Equal(s, []float64{0.9, 0.7, 0.6}) {
		t.Fatalf("kept %v, want [0.9 0.7 0.6]", s)
	}
	if _, err := NewNMS(NMSConfig{Kind: CircleNMS}); err == nil {
		t.Fatal("circle NMS without a radius accepted")
	}
}

// bruteNMS is the twin: greedy suppression with BEVIoU on scaled copies and
// no bounding-box rejection.
func bruteNMS(boxes []Box, thr float64, scale []float64) []Box {
	s := slices.Clone(boxes)
	slices.SortStableFunc(s, func(a, b Box) int {
		if a.Score > b.Score {
			return -1
		}
		if a.Score < b.Score {
			return 1
		}
		return 0
	})
	var keep []Box
	for _, b := range s {
		ok := true
		for _, k := range keep {
			if k.Class != b.Class {
				continue
			}
			bs, ks := b, k
			f := 1.0
			if b.Class < len(scale) {
				f = scale[b.Class]
			}
			bs.L, bs.W, ks.L, ks.W = b.L*f, b.W*f, k.L*f, k.W*f
			if BEVIoU(bs, ks) > thr {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, b)
		}
	}
	return keep
}

func TestNMSAgainstBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	scale := []float64{1, 2.5, 0.7}
	n, _ := NewNMS(NMSConfig{IoUThreshold: 0.1, Scale: scale})
	for trial := range 20 {
		boxes := randomBoxes(rng, 80, 15)
		want := bruteNMS(boxes, 0.1, scale)
		got := n.Apply(slices.Clone(boxes))
		if len(got) != len(want) {
			t.Fatalf("trial %d: kept %d, brute kept %d", trial, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d box %d: %+v vs brute %+v", trial, i, got[i], want[i])
			}
		}
	}
}

// TestNMSPostMaxEarlyExit checks that stopping at PostMax kept boxes gives
// the first PostMax boxes of the full suppression.
func TestNMSPostMaxEarlyExit(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	boxes := randomBoxes(rng, 200, 30)
	full, _ := NewNMS(NMSConfig{IoUThreshold: 0.1})
	capped, _ := NewNMS(NMSConfig{IoUThreshold: 0.1, PostMax: 25})
	want := full.Apply(slices.Clone(boxes))
	got := capped.Apply(slices.Clone(boxes))
	if len(want) < 25 || !slices.Equal(got, want[:25]) {
		t.Fatalf("capped NMS kept %d boxes, not the first 25 of %d", len(got), len(want))
	}
}

func randomBoxes(rng *rand.Rand, n int, extent float64) []Box {
	out := make([]Box, n)
	for i := range out {
		out[i] = Box{X: rng.Float64() * extent, Y: rng.Float64() * extent, L: 0.5 + 4*rng.Float64(), W: 0.5 + 2*rng.Float64(),
			Yaw: rng.Float64() * 2 * math.Pi, Score: rng.Float64(), Class: rng.IntN(3)}
	}
	return out
}
