package decode

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/pose"
)

func TestLimbScoreKnown(t *testing.T) {
	const w, h = 40, 40
	fx, fy := make([]float32, w*h), make([]float32, w*h)
	for i := range fx {
		fx[i] = 1
	}
	// Aligned field, short limb: mean 1, no prior.
	s, al := LimbScore(fx, fy, w, h, 5, 5, 15, 5, 10, 0.05, true)
	if math.Abs(float64(s)-1) > 1e-6 || al != 1 {
		t.Fatalf("aligned: %g %g", s, al)
	}
	// Reversed direction: −1, nothing aligned.
	s, al = LimbScore(fx, fy, w, h, 15, 5, 5, 5, 10, 0.05, true)
	if math.Abs(float64(s)+1) > 1e-6 || al != 0 {
		t.Fatalf("reversed: %g %g", s, al)
	}
	// Limb of length 39 > h/2: prior 40/78 − 1.
	s, _ = LimbScore(fx, fy, w, h, 0, 1, 39, 1, 10, 0.05, true)
	if want := 1 + (40.0/78 - 1); math.Abs(float64(s)-want) > 1e-6 {
		t.Fatalf("long limb: %g, want %g", s, want)
	}
	// 45° limb: projection cos 45°; samples at 30 + 20·i/9 round to 30, 32,
	// 34, 37, 39 inside the map, the other 5 outside count 0.
	s, al = LimbScore(fx, fy, w, h, 30, 30, 50, 50, 10, 0.05, false)
	if want := 5 * math.Sqrt2 / 2 / 10; math.Abs(float64(s)-want) > 1e-6 || math.Abs(float64(al)-0.5) > 1e-6 {
		t.Fatalf("diagonal: %g %g, want %g 0.5", s, al, want)
	}
	if s, al := LimbScore(fx, fy, w, h, 3, 3, 3, 3, 10, 0.05, true); s != 0 || al != 0 {
		t.Fatal("zero-length limb")
	}
}

func TestPAFGroupsKnownPeople(t *testing.T) {
	for _, tc := range []struct {
		name     string
		top      *Topology
		channels int
		w, h     int
		centres  [][3]float64
	}{
		{"trt_pose two", TRTPose, 18, 80, 64, [][3]float64{{22, 32, 48}, {58, 30.5, 44}}},
		{"trt_pose three close", TRTPose, 18, 100, 80, [][3]float64{{20, 40, 50}, {48.3, 41, 44}, {77.7, 38, 56}}},
		{"trt_pose ten", TRTPose, 18, 200, 120, tenPeople()},
		// CMU's layout: 18 parts and a background channel, 38 PAF channels.
		{"openpose three", OpenPoseCOCO, 19, 100, 80, [][3]float64{{20, 40, 50}, {48.3, 41, 44}, {77.7, 38, 56}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(21, 22))
			hm, paf, parts := PAFScene(tc.top, tc.channels, tc.w, tc.h, tc.centres, r)
			d, err := New("openpose", Config{InputWidth: 8 * tc.w, InputHeight: 8 * tc.h, PAF: PAFConfig{Topology: tc.top}})
			if err != nil {
				t.Fatal(err)
			}
			outs := []Tensor{
				{Name: "heatmaps", Shape: []int{1, tc.channels, tc.h, tc.w}, Data: hm},
				{Name: "pafs", Shape: []int{1, 2 * len(tc.top.Limbs), tc.h, tc.w}, Data: paf},
			}
			people, err := d.Decode(outs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(people) != len(parts) {
				t.Fatalf("%d people, want %d", len(people), len(parts))
			}
			used := make([]bool, len(people))
			for g, p := range parts {
				// The decoded person whose nose is nearest.
				best, bd := -1, math.Inf(1)
				for i, q := range people {
					dd := math.Hypot(float64(q.Keypoints[0].X)-(p[0][0]+0.5)*8+0.5, float64(q.Keypoints[0].Y)-(p[0][1]+0.5)*8+0.5)
					if !used[i] && dd < bd {
						best, bd = i, dd
					}
				}
				used[best] = true
				q := people[best]
				for j := range pose.NumKeypoints {
					kp := q.Keypoints[j]
					// Tolerance: the 3×3 centroid of a σ = 1 peak is off by < 0.5
					// cell = 4 input pixels.
					ex, ey := (p[j][0]+0.5)*8-0.5, (p[j][1]+0.5)*8-0.5
					if math.Hypot(float64(kp.X)-ex, float64(kp.Y)-ey) > 4 || kp.Visibility != pose.Visible {
						t.Fatalf("person %d keypoint %s at (%g,%g) vis %d, want (%g,%g)", g, pose.KeypointNames[j], kp.X, kp.Y, kp.Visibility, ex, ey)
					}
				}
				if q.Score < 0.8 || q.Score > 1 {
					t.Fatalf("person %d score %g", g, q.Score)
				}
			}
			if a := testing.AllocsPerRun(3, func() { people, _ = d.Decode(outs, people) }); a != 0 {
				t.Fatalf("openpose allocates %v per decode", a)
			}
		})
	}
}

func TestPAFOpenPoseCOCOTopology(t *testing.T) {
	// Every COCO keypoint maps to a part of the same name; the neck is unmapped.
	for i, p := range OpenPoseCOCO.COCO {
		if p < 0 || OpenPoseCOCO.Parts[p] != pose.KeypointNames[i] {
			t.Fatalf("COCO %d → part %d", i, p)
		}
	}
	seen := map[int]bool{}
	for _, l := range OpenPoseCOCO.Limbs {
		for _, c := range []int{l.PafX, l.PafY} {
			if seen[c] || c >= 38 {
				t.Fatalf("PAF channel %d reused or out of range", c)
			}
			seen[c] = true
		}
	}
	if len(seen) != 38 || len(TRTPose.Limbs) != 21 || len(TRTPose.Parts) != 18 {
		t.Fatal("topology sizes")
	}
}

func tenPeople() [][3]float64 {
	var c [][3]float64
	for i := range 5 {
		c = append(c, [3]float64{20 + 40*float64(i), 30, 44}, [3]float64{22 + 40*float64(i), 88, 46})
	}
	return c
}

// TestPAFNeedsTheField checks that peaks alone make nobody: with a zero
// field no limb passes the alignment test, and with the field reversed
// (pointing from B to A) neither.
func TestPAFNeedsTheField(t *testing.T) {
	const w, h = 80, 64
	hm, paf, _ := PAFScene(TRTPose, 18, w, h, [][3]float64{{22, 32, 48}, {58, 30.5, 44}}, rand.New(rand.NewPCG(1, 1)))
	d, _ := New("openpose", Config{})
	for name, field := range map[string]func(float32) float32{
		"zero":     func(float32) float32 { return 0 },
		"reversed": func(v float32) float32 { return -v },
	} {
		f := make([]float32, len(paf))
		for i, v := range paf {
			f[i] = field(v)
		}
		people, err := d.Decode([]Tensor{{Shape: []int{1, 18, h, w}, Data: hm}, {Shape: []int{1, 42, h, w}, Data: f}}, nil)
		if err != nil || len(people) != 0 {
			t.Fatalf("%s field: %d people, %v", name, len(people), err)
		}
	}
}
