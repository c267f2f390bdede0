package decode

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// pafScene renders heatmaps [1,channels,h,w] and PAFs [1,2L,h,w] in the
// layout of topology top for people given as centre and height in cells; it
// returns each person's COCO-17 keypoints in cells. The neck part is the
// shoulders' midpoint.
func pafScene(top *Topology, channels, w, h int, centres [][3]float64, r *rand.Rand) (hm, paf []float32, kps [][pose.NumKeypoints][2]float64) {
	np := len(top.Parts)
	hm = make([]float32, channels*w*h)
	paf = make([]float32, 2*len(top.Limbs)*w*h)
	cnt := make([]float32, len(top.Limbs)*w*h)
	for _, c := range centres {
		var k [pose.NumKeypoints][2]float64
		for j, s := range standing {
			k[j] = [2]float64{c[0] + s[0]*c[2] + r.Float64()*0.6 - 0.3, c[1] + s[1]*c[2] + r.Float64()*0.6 - 0.3}
		}
		kps = append(kps, k)
		p := make([][2]float64, np)
		for i, name := range top.Parts {
			if name == "neck" {
				p[i] = [2]float64{(k[pose.LeftShoulder][0] + k[pose.RightShoulder][0]) / 2, (k[pose.LeftShoulder][1] + k[pose.RightShoulder][1]) / 2}
			} else {
				p[i] = k[pose.KeypointIndex(name)]
			}
		}
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
	return hm, paf, kps
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
			hm, paf, parts := pafScene(tc.top, tc.channels, tc.w, tc.h, tc.centres, r)
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

// sixPeople stands six people side by side on lightweight-openpose's maps
// of a 656×368 input: 46×82 at stride 8, upsampled 4× to 184×328.
func sixPeople() [][3]float64 {
	var c [][3]float64
	for i := range 6 {
		c = append(c, [3]float64{30 + 53*float64(i), 92 + 6*float64(i%2), 110 + 4*float64(i%3)})
	}
	return c
}

// sixPeopleMaps returns BenchmarkPAFSixPeople's 19 heatmaps and 38 PAF
// channels, [C, 184, 328] each.
func sixPeopleMaps() (hm, paf []float32) {
	hm, paf, _ = pafScene(OpenPoseCOCO, 19, 328, 184, sixPeople(), rand.New(rand.NewPCG(1, 2)))
	return hm, paf
}

// TestDumpPAFWorkload writes BenchmarkPAFSixPeople's maps to
// $GOPERCEPT_BENCH_DUMP (paf_heatmaps.bin [19,184,328] and paf_pafs.bin
// [38,184,328], little-endian float32) for tools/bench/ref_paf.py; it runs
// only when that variable is set.
func TestDumpPAFWorkload(t *testing.T) {
	dir := os.Getenv("GOPERCEPT_BENCH_DUMP")
	if dir == "" {
		t.Skip("GOPERCEPT_BENCH_DUMP not set")
	}
	hm, paf := sixPeopleMaps()
	for name, v := range map[string][]float32{"paf_heatmaps.bin": hm, "paf_pafs.bin": paf} {
		buf := make([]byte, 0, 4*len(v))
		for _, x := range v {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
			t.Fatalf("PAF workload %s: %v", name, err)
		}
	}
}

// BenchmarkPAFSixPeople is lightweight-openpose's group_keypoints workload:
// six people on 19 heatmaps and 38 PAF channels of 328×184 in its channel
// layout (OpenPoseCOCO: BODY_PARTS_KPT_IDS and BODY_PARTS_PAF_IDS).
func BenchmarkPAFSixPeople(b *testing.B) {
	const w, h = 328, 184
	hm, paf := sixPeopleMaps()
	d, _ := New("openpose", Config{InputWidth: 656, InputHeight: 368, PAF: PAFConfig{Topology: OpenPoseCOCO}})
	outs := []Tensor{{Shape: []int{1, 19, h, w}, Data: hm}, {Shape: []int{1, 38, h, w}, Data: paf}}
	var people []pose.Person
	people, _ = d.Decode(outs, people)
	if len(people) != 6 {
		b.Fatalf("%d people, want 6", len(people))
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuSeconds()
	for b.Loop() {
		people, _ = d.Decode(outs, people)
	}
	b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/frame")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/frame")
}

// TestPAFNeedsTheField checks that peaks alone make nobody: with a zero
// field no limb passes the alignment test, and with the field reversed
// (pointing from B to A) neither.
func TestPAFNeedsTheField(t *testing.T) {
	const w, h = 80, 64
	hm, paf, _ := pafScene(TRTPose, 18, w, h, [][3]float64{{22, 32, 48}, {58, 30.5, 44}}, rand.New(rand.NewPCG(1, 1)))
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
