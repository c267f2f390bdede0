package decode

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
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

// TestPAFPeaksAgainstScan checks the block-skipping peak search against a
// scan of every cell, on maps of sizes that leave partial blocks, with NaNs,
// values exactly at the threshold and plateaus.
func TestPAFPeaksAgainstScan(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	nan := float32(math.NaN())
	for trial := range 60 {
		w, h := 1+r.IntN(90), 1+r.IntN(70)
		np := 1 + r.IntN(3)
		hm := make([]float32, np*w*h)
		for i := range hm {
			switch u := r.IntN(100); {
			case u < 2:
				hm[i] = nan
			case u < 5:
				hm[i] = 0.1 // the threshold itself
			case u < 10:
				hm[i] = 0.5 // plateaus
			case u < 15:
				hm[i] = r.Float32()
			default:
				hm[i] = r.Float32() * 0.1
			}
		}
		d, err := newPAFDecoder(Config{PAF: PAFConfig{MaxPeaks: 1 << 20}})
		if err != nil {
			t.Fatal(err)
		}
		d.findPeaks(hm, np, w, h)
		var want []peak
		for c := range np {
			m := hm[c*w*h : (c+1)*w*h]
			for y := range h {
				for x := range w {
					if v := m[y*w+x]; v >= 0.1 && isPeak(m, w, h, x, y, v) {
						px, py := refine(m, w, h, x, y)
						want = append(want, peak{X: px, Y: py, Score: v, Part: c})
					}
				}
			}
		}
		if len(d.peaks) != len(want) {
			t.Fatalf("trial %d %dx%d: %d peaks, scan %d", trial, w, h, len(d.peaks), len(want))
		}
		for i := range want {
			if d.peaks[i] != want[i] {
				t.Fatalf("trial %d peak %d: %+v, scan %+v", trial, i, d.peaks[i], want[i])
			}
		}
	}
}

// TestFirstBlockAtLeast checks the vector search (where the CPU has it)
// against the portable one, NaNs and the threshold value included.
func TestFirstBlockAtLeast(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for trial := range 300 {
		m := make([]float32, r.IntN(64*20))
		for i := range m {
			m[i] = r.Float32() * 0.5
			if r.IntN(50) == 0 {
				m[i] = float32(math.NaN())
			}
		}
		if len(m) > 0 && trial%2 == 0 {
			m[r.IntN(len(m))] = 0.75
		}
		for _, thr := range []float32{0.5, 0.75, 0.8} {
			if got, want := firstBlockAtLeast(m, thr), firstBlockAtLeastGo(m, thr); got != want {
				t.Fatalf("trial %d len %d thr %g: block %d, portable %d", trial, len(m), thr, got, want)
			}
		}
	}
}

// TestLimbScoreEarlyRejection checks that giving up after maxFail
// unaligned samples rejects exactly the limbs whose aligned fraction is
// below MinAligned and keeps the score of the others.
func TestLimbScoreEarlyRejection(t *testing.T) {
	const w, h = 30, 20
	r := rand.New(rand.NewPCG(35, 36))
	fx, fy := make([]float32, w*h), make([]float32, w*h)
	for i := range fx {
		fx[i], fy[i] = r.Float32()*2-1, r.Float32()*2-1
	}
	for _, minAligned := range []float32{0.8, 0.5, 0.3, 1} {
		d, err := newPAFDecoder(Config{PAF: PAFConfig{MinAligned: minAligned}})
		if err != nil {
			t.Fatal(err)
		}
		accepted := 0
		for range 2000 {
			ax, ay := r.Float32()*40-5, r.Float32()*30-5
			bx, by := ax+r.Float32()*6-3, ay+r.Float32()*6-3
			s, al := LimbScore(fx, fy, w, h, ax, ay, bx, by, 10, 0.05, true)
			s2, al2, ok := limbScore(fx, fy, w, h, ax, ay, bx, by, 10, 0.05, true, d.maxFail)
			if ok != (al >= minAligned) || (ok && (s != s2 || al != al2)) {
				t.Fatalf("MinAligned %g: full (%g, %g), early (%g, %g, %v)", minAligned, s, al, s2, al2, ok)
			}
			if ok {
				accepted++
			}
		}
		if accepted == 0 {
			t.Fatalf("MinAligned %g: no limb accepted; the test checks nothing", minAligned)
		}
	}
}

// TestRoundInt checks roundInt against math.Round on halves, their float32
// neighbours and random values of both signs within the maps' range.
func TestRoundInt(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	var vs []float32
	for k := -600; k <= 600; k++ {
		h := float32(k) + 0.5
		vs = append(vs, h, math.Nextafter32(h, -1e9), math.Nextafter32(h, 1e9), float32(k))
	}
	for range 10000 {
		vs = append(vs, r.Float32()*2000-1000)
	}
	for _, v := range vs {
		if got, want := roundInt(v), int(math.Round(float64(v))); got != want {
			t.Fatalf("roundInt(%v) = %d, math.Round %d", v, got, want)
		}
	}
}
