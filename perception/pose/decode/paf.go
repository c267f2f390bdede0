package decode

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gopercept/gopercept/perception/pose"
)

// PAFLimb is one limb of a part-affinity-field topology: parts A → B and the
// PAF channels holding the field's x and y components.
type PAFLimb struct {
	A, B       int
	PafX, PafY int
}

// Topology describes a bottom-up model's parts, its limbs with their PAF
// channels, and how parts map to COCO-17.
type Topology struct {
	// Name identifies the topology in errors.
	Name string
	// Parts names the heatmap channels, in channel order.
	Parts []string
	// Limbs are the PAF limbs; assembly follows this order.
	Limbs []PAFLimb
	// COCO gives for each COCO-17 keypoint the part index, −1 when absent.
	COCO [pose.NumKeypoints]int
}

// TRTPose is trt_pose's human_pose topology: the 17 COCO parts in COCO order
// then "neck" (18 heatmap channels), and its 21 limbs with PAF channels 2k
// (y, the row component) and 2k+1 (x).
var TRTPose = func() *Topology {
	t := &Topology{Name: "trt_pose", Parts: append(pose.KeypointNames[:], "neck")}
	// The skeleton of human_pose.json, 1-based part numbers.
	sk := [][2]int{
		{16, 14}, {14, 12}, {17, 15}, {15, 13}, {12, 13}, {6, 8}, {7, 9}, {8, 10}, {9, 11}, {2, 3},
		{1, 2}, {1, 3}, {2, 4}, {3, 5}, {4, 6}, {5, 7}, {18, 1}, {18, 6}, {18, 7}, {18, 12}, {18, 13},
	}
	for k, l := range sk {
		t.Limbs = append(t.Limbs, PAFLimb{A: l[0] - 1, B: l[1] - 1, PafX: 2*k + 1, PafY: 2 * k})
	}
	for i := range t.COCO {
		t.COCO[i] = i
	}
	return t
}()

// OpenPoseCOCO is CMU OpenPose's 18-part COCO topology (nose, neck, right
// shoulder, elbow, wrist, left shoulder, elbow, wrist, right hip, knee, ankle,
// left hip, knee, ankle, right eye, left eye, right ear, left ear; a 19th
// background heatmap channel is ignored) with its 19 limbs and their PAF
// channel pairs (x first) in the 38-channel PAF output.
var OpenPoseCOCO = func() *Topology {
	t := &Topology{Name: "openpose-coco", Parts: []string{
		"nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
		"right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
		"right_eye", "left_eye", "right_ear", "left_ear",
	}}
	// Limbs (1-based parts) and their PAF channels.
	limbs := [][2]int{
		{2, 3}, {2, 6}, {3, 4}, {4, 5}, {6, 7}, {7, 8}, {2, 9}, {9, 10}, {10, 11}, {2, 12},
		{12, 13}, {13, 14}, {2, 1}, {1, 15}, {15, 17}, {1, 16}, {16, 18}, {3, 17}, {6, 18},
	}
	pafs := [][2]int{
		{12, 13}, {20, 21}, {14, 15}, {16, 17}, {22, 23}, {24, 25}, {0, 1}, {2, 3}, {4, 5}, {6, 7},
		{8, 9}, {10, 11}, {28, 29}, {30, 31}, {34, 35}, {32, 33}, {36, 37}, {18, 19}, {26, 27},
	}
	for k, l := range limbs {
		t.Limbs = append(t.Limbs, PAFLimb{A: l[0] - 1, B: l[1] - 1, PafX: pafs[k][0], PafY: pafs[k][1]})
	}
	for i, n := range pose.KeypointNames {
		t.COCO[i] = slices.Index(t.Parts, n)
	}
	return t
}()

// PAFConfig configures the "openpose" decoder.
type PAFConfig struct {
	// Topology is the model's topology; default TRTPose.
	Topology *Topology
	// PeakThreshold is the minimum heatmap value of a part peak; default 0.1.
	PeakThreshold float32
	// MaxPeaks caps the peaks kept per part (the highest); default 64.
	MaxPeaks int
	// Samples is the number of points of the PAF line integral; default 10.
	Samples int
	// SampleThreshold is the PAF·direction value a sample must exceed to
	// count as aligned; default 0.05.
	SampleThreshold float32
	// MinAligned is the fraction of aligned samples a limb candidate needs;
	// default 0.8.
	MinAligned float32
	// NoDistancePrior turns off the penalty min(0, H/(2·length) − 1) that
	// OpenPose adds to the mean PAF score of limbs longer than half the map
	// height H.
	NoDistancePrior bool
	// MinParts is the minimum number of parts of a person; default 4.
	MinParts int
	// MinMeanScore is the minimum (sum of peak and limb scores) / parts of a
	// person, as OpenPose filters; default 0.4.
	MinMeanScore float32
}

// peak is a part candidate: position in heatmap cells (refined by the 3×3
// weighted centroid), score the heatmap value at the local maximum, Part its
// heatmap channel.
type peak struct {
	X, Y  float32
	Score float32
	Part  int
}

type limbCand struct {
	a, b  int32 // global peak ids
	score float32
}

// pafDecoder decodes OpenPose-style heatmaps and part affinity fields.
type pafDecoder struct {
	cfg   Config
	p     PAFConfig
	top   *Topology
	peaks []peak
	start []int // per part: first peak index; start[P] = len(peaks)
	cands []limbCand
	conns []limbCand
	usedA []bool
	usedB []bool
	rows  []int32   // people × parts: global peak id or −1
	score []float32 // per row: sum of peak and limb scores
	count []int     // per row: parts set
	order []int

	maxFail int // see limbScore
}

func newPAFDecoder(cfg Config) (*pafDecoder, error) {
	p := cfg.PAF
	if p.Topology == nil {
		p.Topology = TRTPose
	}
	if p.PeakThreshold == 0 {
		p.PeakThreshold = 0.1
	}
	if p.MaxPeaks == 0 {
		p.MaxPeaks = 64
	}
	if p.Samples == 0 {
		p.Samples = 10
	}
	if p.SampleThreshold == 0 {
		p.SampleThreshold = 0.05
	}
	if p.MinAligned == 0 {
		p.MinAligned = 0.8
	}
	if p.MinParts == 0 {
		p.MinParts = 4
	}
	if p.MinMeanScore == 0 {
		p.MinMeanScore = 0.4
	}
	switch {
	case p.MaxPeaks < 1:
		return nil, configErr("Config.PAF.MaxPeaks", p.MaxPeaks, "want ≥ 1")
	case p.Samples < 2:
		return nil, configErr("Config.PAF.Samples", p.Samples, "want ≥ 2")
	case len(p.Topology.Parts) == 0 || len(p.Topology.Limbs) == 0:
		return nil, configErr("Config.PAF.Topology", nil, "no parts or limbs")
	}
	for _, l := range p.Topology.Limbs {
		np := len(p.Topology.Parts)
		if l.A < 0 || l.A >= np || l.B < 0 || l.B >= np || l.A == l.B || l.PafX < 0 || l.PafY < 0 {
			return nil, configErr("Config.PAF.Topology", nil, "limb %+v out of range", l)
		}
	}
	// The most samples a limb may have not aligned and keep an aligned
	// fraction ≥ MinAligned, in the float32 arithmetic of the test
	// (−1: none passes).
	maxFail := -1
	for f := 0; f <= p.Samples; f++ {
		if float32(p.Samples-f)/float32(p.Samples) >= p.MinAligned {
			maxFail = f
		}
	}
	return &pafDecoder{cfg: cfg, p: p, top: p.Topology, maxFail: maxFail}, nil
}

func (d *pafDecoder) Name() string { return "openpose" }

// Decode reads the heatmaps (named "heatmaps" or "cmap", else outputs[0]) as
// [1,C,H,W] with C ≥ the topology's parts, and the fields (named "pafs" or
// "paf", else outputs[1]) as [1,2L,H,W]. It finds peaks by 3×3 non-maximum
// suppression above PeakThreshold, scores each candidate limb by the line
// integral of its PAF (Samples points; the fraction above SampleThreshold
// must reach MinAligned and the mean with the distance prior be > 0),
// matches limbs greedily by score, assembles people as OpenPose does, drops
// people with fewer than MinParts parts or a mean score below MinMeanScore,
// and returns at most MaxPeople people in COCO-17 order by descending score.
// Heatmap cell c maps to input pixel (c + 0.5)·s − 0.5 with s =
// InputWidth/W (default 8). Missing keypoints are NotLabelled with score 0.
func (d *pafDecoder) Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error) {
	hmT := pick(outputs, "heatmaps", 0)
	if t := pick(outputs, "cmap", -1); t != nil {
		hmT = t
	}
	pafT := pick(outputs, "pafs", 1)
	if t := pick(outputs, "paf", -1); t != nil {
		pafT = t
	}
	if hmT == nil || pafT == nil || hmT == pafT {
		return people[:0], &ShapeError{Decoder: "openpose", Reason: fmt.Sprintf("%d outputs, want heatmaps and pafs", len(outputs))}
	}
	if err := checkTensor("openpose", hmT, 4); err != nil {
		return people[:0], err
	}
	if err := checkTensor("openpose", pafT, 4); err != nil {
		return people[:0], err
	}
	np := len(d.top.Parts)
	h, w := hmT.Shape[2], hmT.Shape[3]
	if hmT.Shape[0] != 1 || hmT.Shape[1] < np {
		return people[:0], &ShapeError{Decoder: "openpose", Output: hmT.Name, Shape: hmT.Shape, Reason: fmt.Sprintf("want [1, ≥%d, H, W]", np)}
	}
	maxCh := 0
	for _, l := range d.top.Limbs {
		maxCh = max(maxCh, l.PafX, l.PafY)
	}
	if pafT.Shape[0] != 1 || pafT.Shape[1] <= maxCh || pafT.Shape[2] != h || pafT.Shape[3] != w {
		return people[:0], &ShapeError{Decoder: "openpose", Output: pafT.Name, Shape: pafT.Shape, Reason: fmt.Sprintf("want [1, >%d, %d, %d]", maxCh, h, w)}
	}
	d.findPeaks(hmT.Data, np, w, h)
	d.assemble(pafT.Data, w, h)
	return d.emit(people, w, h), nil
}

// findPeaks fills d.peaks and d.start.
func (d *pafDecoder) findPeaks(hm []float32, np, w, h int) {
	d.peaks = d.peaks[:0]
	d.start = d.start[:0]
	thr := d.p.PeakThreshold
	for c := range np {
		d.start = append(d.start, len(d.peaks))
		m := hm[c*w*h : (c+1)*w*h]
		first := len(d.peaks)
		// Most of a map lies below the threshold: only the 64-value blocks
		// holding a value that reaches it are searched, in row-major order.
		i := 0
		for i+64 <= len(m) {
			b := i + 64*firstBlockAtLeast(m[i:], thr)
			if b+64 > len(m) {
				i = b
				break
			}
			d.peaksIn(m, w, h, c, b, b+64)
			i = b + 64
		}
		d.peaksIn(m, w, h, c, i, len(m))
		if n := len(d.peaks) - first; n > d.p.MaxPeaks {
			part := d.peaks[first:]
			slices.SortStableFunc(part, func(a, b peak) int { return cmp.Compare(b.Score, a.Score) })
			d.peaks = d.peaks[:first+d.p.MaxPeaks]
		}
	}
	d.start = append(d.start, len(d.peaks))
}

// peaksIn appends the peaks of part c among the cells [lo, hi) of its
// heatmap m, in row-major order.
func (d *pafDecoder) peaksIn(m []float32, w, h, c, lo, hi int) {
	thr := d.p.PeakThreshold
	for i, v := range m[lo:hi] {
		if !(v >= thr) {
			continue
		}
		x, y := (lo+i)%w, (lo+i)/w
		if !isPeak(m, w, h, x, y, v) {
			continue
		}
		px, py := refine(m, w, h, x, y)
		d.peaks = append(d.peaks, peak{X: px, Y: py, Score: v, Part: c})
	}
}

// firstBlockAtLeastGo is the portable firstBlockAtLeast: the index of the
// first 64-value block of m[:64·(len(m)/64)] holding a value ≥ thr (NaN
// never is), else len(m)/64.
func firstBlockAtLeastGo(m []float32, thr float32) int {
	n := len(m) / 64
	for b := range n {
		for _, v := range m[64*b : 64*b+64] {
			if v >= thr {
				return b
			}
		}
	}
	return n
}

// isPeak reports whether v at (x, y) is a 3×3 local maximum: greater than
// the neighbours before it in row-major order and not less than those after,
// so a plateau yields one peak.
func isPeak(m []float32, w, h, x, y int, v float32) bool {
	for dy := -1; dy <= 1; dy++ {
		yy := y + dy
		if yy < 0 || yy >= h {
			continue
		}
		for dx := -1; dx <= 1; dx++ {
			xx := x + dx
			if xx < 0 || xx >= w || (dx == 0 && dy == 0) {
				continue
			}
			n := m[yy*w+xx]
			if dy < 0 || (dy == 0 && dx < 0) {
				if n >= v {
					return false
				}
			} else if n > v {
				return false
			}
		}
	}
	return true
}

// refine returns the weighted centroid of the positive values in the 3×3
// window around (x, y).
func refine(m []float32, w, h, x, y int) (float32, float32) {
	var s, sx, sy float32
	for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
		for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
			if v := m[yy*w+xx]; v > 0 {
				s += v
				sx += v * float32(xx)
				sy += v * float32(yy)
			}
		}
	}
	if !(s > 0) {
		return float32(x), float32(y)
	}
	return sx / s, sy / s
}

// LimbScore returns the PAF line-integral score of the segment from (ax, ay)
// to (bx, by) in heatmap cells through the field (fx, fy), each h×w: the mean
// over n evenly spaced samples (endpoints included, each read at the nearest
// cell; samples outside the map count as 0) of the field's projection on the
// segment's direction, plus the distance prior min(0, h/(2·length) − 1) when
// prior is set; and the fraction of samples whose projection exceeds thr.
func LimbScore(fx, fy []float32, w, h int, ax, ay, bx, by float32, n int, thr float32, prior bool) (score, aligned float32) {
	score, aligned, _ = limbScore(fx, fy, w, h, ax, ay, bx, by, n, thr, prior, n)
	return score, aligned
}

// limbScore is LimbScore giving up (ok false) as soon as more than maxFail
// samples are not aligned: the candidate is then rejected by the aligned
// fraction whatever the rest, and most pairs of peaks are not limbs.
func limbScore(fx, fy []float32, w, h int, ax, ay, bx, by float32, n int, thr float32, prior bool, maxFail int) (score, aligned float32, ok bool) {
	vx, vy := bx-ax, by-ay
	norm := float32(math.Sqrt(float64(vx*vx + vy*vy)))
	if !(norm > 1e-6) {
		return 0, 0, maxFail >= n
	}
	ux, uy := vx/norm, vy/norm
	var sum float32
	good := 0
	for i := range n {
		if i-good > maxFail {
			return 0, 0, false
		}
		t := float32(i) / float32(n-1)
		x, y := roundInt(ax+t*vx), roundInt(ay+t*vy)
		if x < 0 || x >= w || y < 0 || y >= h {
			continue
		}
		dot := fx[y*w+x]*ux + fy[y*w+x]*uy
		sum += dot
		if dot > thr {
			good++
		}
	}
	if n-good > maxFail {
		return 0, 0, false
	}
	score = sum / float32(n)
	if prior {
		score += min(0, float32(h)/(2*norm)-1)
	}
	return score, float32(good) / float32(n), true
}

// roundInt is int(math.Round(float64(v))), half away from zero, for |v| <
// 2²⁸: adding ±0.5 to a float32 in float64 is exact there, and the
// conversion truncates toward zero.
func roundInt(v float32) int {
	f := float64(v)
	return int(f + math.Copysign(0.5, f))
}

// assemble scores, matches and groups limbs into d.rows.
func (d *pafDecoder) assemble(paf []float32, w, h int) {
	np := len(d.top.Parts)
	plane := w * h
	d.rows, d.score, d.count = d.rows[:0], d.score[:0], d.count[:0]
	for _, l := range d.top.Limbs {
		a0, a1 := d.start[l.A], d.start[l.A+1]
		b0, b1 := d.start[l.B], d.start[l.B+1]
		if a0 == a1 || b0 == b1 {
			continue
		}
		fx, fy := paf[l.PafX*plane:(l.PafX+1)*plane], paf[l.PafY*plane:(l.PafY+1)*plane]
		d.cands = d.cands[:0]
		for i := a0; i < a1; i++ {
			pa := &d.peaks[i]
			for j := b0; j < b1; j++ {
				pb := &d.peaks[j]
				s, al, ok := limbScore(fx, fy, w, h, pa.X, pa.Y, pb.X, pb.Y, d.p.Samples, d.p.SampleThreshold, !d.p.NoDistancePrior, d.maxFail)
				if ok && al >= d.p.MinAligned && s > 0 {
					d.cands = append(d.cands, limbCand{a: int32(i), b: int32(j), score: s})
				}
			}
		}
		slices.SortFunc(d.cands, func(x, y limbCand) int {
			if c := cmp.Compare(y.score, x.score); c != 0 {
				return c
			}
			if c := cmp.Compare(x.a, y.a); c != 0 {
				return c
			}
			return cmp.Compare(x.b, y.b)
		})
		// Greedy matching: each peak in at most one connection of this limb.
		d.usedA = resetBools(d.usedA, a1-a0)
		d.usedB = resetBools(d.usedB, b1-b0)
		d.conns = d.conns[:0]
		for _, c := range d.cands {
			ia, ib := int(c.a)-a0, int(c.b)-b0
			if d.usedA[ia] || d.usedB[ib] {
				continue
			}
			d.usedA[ia], d.usedB[ib] = true, true
			d.conns = append(d.conns, c)
			if len(d.conns) >= min(a1-a0, b1-b0) {
				break
			}
		}
		for _, c := range d.conns {
			d.addConnection(l, c, np)
		}
	}
}

func resetBools(b []bool, n int) []bool {
	if cap(b) < n {
		b = make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// addConnection adds one matched limb to the people rows, as OpenPose's
// grouping: extend the person holding either end, merge two people when the
// limb joins them and they share no part, or start a new person.
func (d *pafDecoder) addConnection(l PAFLimb, c limbCand, np int) {
	found := [2]int{-1, -1}
	nf := 0
	for r := range d.count {
		row := d.rows[r*np : (r+1)*np]
		if row[l.A] == c.a || row[l.B] == c.b {
			if nf < 2 {
				found[nf] = r
			}
			nf++
		}
	}
	sb := d.peaks[c.b].Score
	switch {
	case nf == 1 || (nf == 2 && d.overlap(found[0], found[1], np)):
		r := found[0]
		row := d.rows[r*np : (r+1)*np]
		if row[l.B] == -1 && row[l.A] == c.a {
			row[l.B] = c.b
			d.count[r]++
			d.score[r] += sb + c.score
		} else if row[l.A] == -1 && row[l.B] == c.b {
			row[l.A] = c.a
			d.count[r]++
			d.score[r] += d.peaks[c.a].Score + c.score
		}
	case nf == 2:
		r1, r2 := found[0], found[1]
		a, b := d.rows[r1*np:(r1+1)*np], d.rows[r2*np:(r2+1)*np]
		for i := range a {
			if b[i] != -1 {
				a[i] = b[i]
			}
		}
		d.count[r1] += d.count[r2]
		d.score[r1] += d.score[r2] + c.score
		d.removeRow(r2, np)
	case nf == 0:
		for range np {
			d.rows = append(d.rows, -1)
		}
		r := len(d.count)
		d.rows[r*np+l.A] = c.a
		d.rows[r*np+l.B] = c.b
		d.count = append(d.count, 2)
		d.score = append(d.score, d.peaks[c.a].Score+sb+c.score)
	}
}

// overlap reports whether rows r1 and r2 both hold some part.
func (d *pafDecoder) overlap(r1, r2, np int) bool {
	a, b := d.rows[r1*np:(r1+1)*np], d.rows[r2*np:(r2+1)*np]
	for i := range a {
		if a[i] != -1 && b[i] != -1 {
			return true
		}
	}
	return false
}

// removeRow deletes row r, moving the last row into its place.
func (d *pafDecoder) removeRow(r, np int) {
	last := len(d.count) - 1
	if r != last {
		copy(d.rows[r*np:(r+1)*np], d.rows[last*np:(last+1)*np])
		d.count[r], d.score[r] = d.count[last], d.score[last]
	}
	d.rows = d.rows[:last*np]
	d.count, d.score = d.count[:last], d.score[:last]
}

// emit filters the rows and writes people in COCO-17 order.
func (d *pafDecoder) emit(people []pose.Person, w, h int) []pose.Person {
	np := len(d.top.Parts)
	sx, sy := float32(8), float32(8)
	if d.cfg.InputWidth > 0 && d.cfg.InputHeight > 0 {
		sx, sy = float32(d.cfg.InputWidth)/float32(w), float32(d.cfg.InputHeight)/float32(h)
	}
	d.order = d.order[:0]
	for r := range d.count {
		if d.count[r] < d.p.MinParts || d.score[r]/float32(d.count[r]) < d.p.MinMeanScore {
			continue
		}
		d.order = append(d.order, r)
	}
	// Person score: the mean peak score over all parts, missing ones 0.
	personScore := func(r int) float32 {
		var s float32
		for _, id := range d.rows[r*np : (r+1)*np] {
			if id >= 0 {
				s += d.peaks[id].Score
			}
		}
		return s / float32(np)
	}
	slices.SortFunc(d.order, func(a, b int) int {
		if c := cmp.Compare(personScore(b), personScore(a)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	people = people[:0]
	for _, r := range d.order[:min(len(d.order), d.cfg.MaxPeople)] {
		var p *pose.Person
		people, p = pose.Grow(people, pose.NumKeypoints)
		row := d.rows[r*np : (r+1)*np]
		for k, part := range d.top.COCO {
			if part < 0 || row[part] < 0 {
				continue
			}
			pk := d.peaks[row[part]]
			p.Keypoints[k] = pose.Keypoint{
				X:          (pk.X+0.5)*sx - 0.5,
				Y:          (pk.Y+0.5)*sy - 0.5,
				Score:      pk.Score,
				Visibility: visibility(pk.Score, d.cfg.KeypointThreshold),
			}
		}
		p.Score = personScore(r)
		p.Box, _ = p.KeypointBox()
	}
	return people
}
