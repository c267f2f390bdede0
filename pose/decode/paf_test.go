package decode

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/pose"
)

// standing is a COCO-17 standing pose, x right and y down, in body heights
// about the body centre.
var standing = [pose.NumKeypoints][2]float64{
	{0, -0.40}, {0.05, -0.44}, {-0.05, -0.44}, {0.10, -0.42}, {-0.10, -0.42},
	{0.18, -0.28}, {-0.18, -0.28}, {0.24, -0.08}, {-0.24, -0.08}, {0.26, 0.10}, {-0.26, 0.10},
	{0.10, 0.05}, {-0.10, 0.05}, {0.11, 0.28}, {-0.11, 0.28}, {0.12, 0.50}, {-0.12, 0.50},
}

// pafScene renders trt_pose-style heatmaps [1,18,h,w] and PAFs [1,42,h,w]
// for people given as centre and height in cells; it returns the 18 parts
// of each person (COCO-17 then neck) in cells.
func pafScene(w, h int, centres [][3]float64, r *rand.Rand) (hm, paf []float32, parts [][18][2]float64) {
	top := TRTPose
	np := len(top.Parts)
	hm = make([]float32, np*w*h)
	paf = make([]float32, 2*len(top.Limbs)*w*h)
	cnt := make([]float32, len(top.Limbs)*w*h)
	for _, c := range centres {
		var p [18][2]float64
		for j, s := range standing {
			p[j] = [2]float64{c[0] + s[0]*c[2] + r.Float64()*0.6 - 0.3, c[1] + s[1]*c[2] + r.Float64()*0.6 - 0.3}
		}
		p[17] = [2]float64{(p[5][0] + p[6][0]) / 2, (p[5][1] + p[6][1]) / 2}
		parts = append(parts, p)
		for j := range np {
			gaussian(hm[j*w*h:(j+1)*w*h], w, h, p[j][0], p[j][1], 1, 1)
		}
		for k, l := range top.Limbs {
			ax, ay, bx, by := p[l.A][0], p[l.A][1], p[l.B][0], p[l.B][1]
			n := math.Hypot(bx-ax, by-ay)
			ux, uy := (bx-ax)/n, (by-ay)/n
			for y := range h {
				for x := range w {
					dx, dy := float64(x)-ax, float64(y)-ay
					along := dx*ux + dy*uy
					across := math.Abs(-dx*uy + dy*ux)
					if along < -1 || along > n+1 || across > 1 {
						continue
					}
					i := y*w + x
					paf[l.PafX*w*h+i] += float32(ux)
					paf[l.PafY*w*h+i] += float32(uy)
					cnt[k*w*h+i]++
				}
			}
		}
	}
	// Overlapping limbs average, as OpenPose's ground truth.
	for k, l := range top.Limbs {
		for i := range w * h {
			if c := cnt[k*w*h+i]; c > 1 {
				paf[l.PafX*w*h+i] /= c
				paf[l.PafY*w*h+i] /= c
			}
		}
	}
	return hm, paf, parts
}

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
		name    string
		w, h    int
		centres [][3]float64
	}{
		{"two", 80, 64, [][3]float64{{22, 32, 48}, {58, 30.5, 44}}},
		{"three close", 100, 80, [][3]float64{{20, 40, 50}, {48.3, 41, 44}, {77.7, 38, 56}}},
		{"ten", 200, 120, tenPeople()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(21, 22))
			hm, paf, parts := pafScene(tc.w, tc.h, tc.centres, r)
			d, err := New("openpose", Config{InputWidth: 8 * tc.w, InputHeight: 8 * tc.h})
			if err != nil {
				t.Fatal(err)
			}
			outs := []Tensor{
				{Name: "cmap", Shape: []int{1, 18, tc.h, tc.w}, Data: hm},
				{Name: "paf", Shape: []int{1, 42, tc.h, tc.w}, Data: paf},
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

func BenchmarkPAFTenPeople(b *testing.B) {
	const w, h = 200, 120
	hm, paf, _ := pafScene(w, h, tenPeople(), rand.New(rand.NewPCG(1, 2)))
	d, _ := New("openpose", Config{})
	outs := []Tensor{{Shape: []int{1, 18, h, w}, Data: hm}, {Shape: []int{1, 42, h, w}, Data: paf}}
	var people []pose.Person
	b.ReportAllocs()
	c0 := cpuSeconds()
	for b.Loop() {
		people, _ = d.Decode(outs, people)
	}
	b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/frame")
	if len(people) != 10 {
		b.Fatal(fmt.Sprintf("%d people", len(people)))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/frame")
}
