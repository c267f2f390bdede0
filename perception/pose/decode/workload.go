package decode

import (
	"math"
	"math/rand/v2"

	"github.com/gopercept/gopercept/perception/pose"
)

// Synthetic inputs shaped like the models' outputs, shared by this package's
// tests and the reference workloads of internal/kernelbench (issue 16), so
// that `go test -bench` and `gopercept bench kernels` time the same maps.

// DARKPersonW, DARKPersonH are the heatmap size of mmpose's top-down models
// at a 192×256 input: 48×64 cells.
const DARKPersonW, DARKPersonH = 48, 64

// PAFSixW, PAFSixH are lightweight-openpose's map size for a 656×368 input:
// 82×46 at stride 8, upsampled 4× to 328×184.
const PAFSixW, PAFSixH = 328, 184

// GaussianBlob raises the h×w map m to amp·exp(−d²/2σ²) around (cx, cy)
// wherever that is higher (a model's keypoint heatmap target).
func GaussianBlob(m []float32, w, h int, cx, cy, sigma float64, amp float32) {
	for y := range h {
		for x := range w {
			dx, dy := float64(x)-cx, float64(y)-cy
			v := amp * float32(math.Exp(-(dx*dx+dy*dy)/(2*sigma*sigma)))
			m[y*w+x] = max(m[y*w+x], v)
		}
	}
}

// DARKPersonHeatmaps returns one person's heatmaps as mmpose's top-down
// models give them, [17, 64, 48]: a σ = 2 Gaussian of peak 1 at a random
// (fixed-seed) sub-cell centre each. It is the DARK reference workload
// (mmpose's refine_keypoints_dark on one person, blur kernel 11).
func DARKPersonHeatmaps() []float32 {
	const k, w, h = pose.NumKeypoints, DARKPersonW, DARKPersonH
	r := rand.New(rand.NewPCG(1, 1))
	hm := make([]float32, k*w*h)
	for j := range k {
		GaussianBlob(hm[j*w*h:(j+1)*w*h], w, h, 5+r.Float64()*38, 5+r.Float64()*54, 2, 1)
	}
	return hm
}

// standingPose is a COCO-17 standing pose, x right and y down, in body
// heights about the body centre.
var standingPose = [pose.NumKeypoints][2]float64{
	{0, -0.40}, {0.05, -0.44}, {-0.05, -0.44}, {0.10, -0.42}, {-0.10, -0.42},
	{0.18, -0.28}, {-0.18, -0.28}, {0.24, -0.08}, {-0.24, -0.08}, {0.26, 0.10}, {-0.26, 0.10},
	{0.10, 0.05}, {-0.10, 0.05}, {0.11, 0.28}, {-0.11, 0.28}, {0.12, 0.50}, {-0.12, 0.50},
}

// PAFScene renders heatmaps [channels, h, w] (σ = 1 peaks of 1) and part
// affinity fields [2·len(top.Limbs), h, w] (unit vectors within one cell of
// each limb, averaged where limbs overlap, as OpenPose's ground truth) in
// the channel layout of top, for standing people given as (centre x,
// centre y, height) in cells, each keypoint jittered by up to ±0.3 cell
// from r. It returns each person's COCO-17 keypoints in cells; a "neck"
// part is the shoulders' midpoint.
func PAFScene(top *Topology, channels, w, h int, people [][3]float64, r *rand.Rand) (hm, paf []float32, kps [][pose.NumKeypoints][2]float64) {
	np := len(top.Parts)
	hm = make([]float32, channels*w*h)
	paf = make([]float32, 2*len(top.Limbs)*w*h)
	cnt := make([]float32, len(top.Limbs)*w*h)
	p := make([][2]float64, np)
	for _, c := range people {
		var k [pose.NumKeypoints][2]float64
		for j, s := range standingPose {
			k[j] = [2]float64{c[0] + s[0]*c[2] + r.Float64()*0.6 - 0.3, c[1] + s[1]*c[2] + r.Float64()*0.6 - 0.3}
		}
		kps = append(kps, k)
		for i, name := range top.Parts {
			if name == "neck" {
				p[i] = [2]float64{(k[pose.LeftShoulder][0] + k[pose.RightShoulder][0]) / 2, (k[pose.LeftShoulder][1] + k[pose.RightShoulder][1]) / 2}
			} else {
				p[i] = k[pose.KeypointIndex(name)]
			}
		}
		for j := range np {
			GaussianBlob(hm[j*w*h:(j+1)*w*h], w, h, p[j][0], p[j][1], 1, 1)
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

// PAFSixPeople returns the PAF grouping reference workload
// (lightweight-openpose's group_keypoints): six people side by side on
// PAFSixH×PAFSixW maps in CMU's COCO layout (OpenPoseCOCO: 19 heatmap
// channels, the last the background, and 38 PAF channels).
func PAFSixPeople() (hm, paf []float32) {
	var c [][3]float64
	for i := range 6 {
		c = append(c, [3]float64{30 + 53*float64(i), 92 + 6*float64(i%2), 110 + 4*float64(i%3)})
	}
	hm, paf, _ = PAFScene(OpenPoseCOCO, 19, PAFSixW, PAFSixH, c, rand.New(rand.NewPCG(1, 2)))
	return hm, paf
}
