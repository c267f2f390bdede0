package decode

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/gopercept/gopercept/perception/pose"
)

// IoU returns the intersection over union of boxes a and b (x1, y1, x2, y2),
// 0 when either is empty.
func IoU(a, b [4]float32) float32 {
	iw := min(a[2], b[2]) - max(a[0], b[0])
	ih := min(a[3], b[3]) - max(a[1], b[1])
	if !(iw > 0 && ih > 0) {
		return 0
	}
	inter := iw * ih
	ua := (a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - inter
	if !(ua > 0) {
		return 0
	}
	return inter / ua
}

type candidate struct {
	score float32
	index int
	box   [4]float32
}

// yoloDecoder decodes YOLOv8/YOLO11-pose [1, 4+1+3K, A].
type yoloDecoder struct {
	cfg   Config
	cands []candidate
	keep  []candidate
}

func (d *yoloDecoder) Name() string { return "yolo-pose" }

// Decode reads outputs[0] (or "output0") as [1, 5+3K, A] — per anchor the box
// centre, width and height in input pixels, the person score, then x, y and
// visibility score per keypoint — or its transpose [1, A, 5+3K]; keeps
// anchors scoring ≥ ScoreThreshold, suppresses those overlapping a
// higher-scored one by more than IoUThreshold, and returns at most MaxPeople
// people by descending score, in input pixels.
func (d *yoloDecoder) Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error) {
	t := pick(outputs, "output0", 0)
	if t == nil {
		return people[:0], &ShapeError{Decoder: "yolo-pose", Reason: "no output"}
	}
	if err := checkTensor("yolo-pose", t, 3); err != nil {
		return people[:0], err
	}
	k := d.cfg.NumKeypoints
	c := 5 + 3*k
	if t.Shape[0] != 1 {
		return people[:0], &ShapeError{Decoder: "yolo-pose", Output: t.Name, Shape: t.Shape, Reason: "batch must be 1"}
	}
	var a, cs, as int // anchors, channel stride, anchor stride
	switch {
	case t.Shape[1] == c:
		a, cs, as = t.Shape[2], t.Shape[2], 1
	case t.Shape[2] == c:
		a, cs, as = t.Shape[1], 1, c
	default:
		return people[:0], &ShapeError{Decoder: "yolo-pose", Output: t.Name, Shape: t.Shape, Reason: fmt.Sprintf("no axis of 5+3·%d = %d channels", k, c)}
	}
	data := t.Data
	at := func(ch, i int) float32 { return data[ch*cs+i*as] }
	d.cands = d.cands[:0]
	thr := d.cfg.ScoreThreshold
	for i := range a {
		s := at(4, i)
		if !(s >= thr) {
			continue
		}
		cx, cy, w, h := at(0, i), at(1, i), at(2, i), at(3, i)
		d.cands = append(d.cands, candidate{score: s, index: i, box: [4]float32{cx - w/2, cy - h/2, cx + w/2, cy + h/2}})
	}
	d.keep = nms(d.cands, d.keep[:0], d.cfg.IoUThreshold, d.cfg.MaxPeople)
	people = people[:0]
	for _, cd := range d.keep {
		var p *pose.Person
		people, p = pose.Grow(people, k)
		p.Box, p.Score = cd.box, cd.score
		for j := range k {
			s := at(5+3*j+2, cd.index)
			p.Keypoints[j] = pose.Keypoint{X: at(5+3*j, cd.index), Y: at(5+3*j+1, cd.index), Score: s, Visibility: visibility(s, d.cfg.KeypointThreshold)}
		}
	}
	return people, nil
}

// nms sorts cands by descending score (ties by index) and appends to keep
// those not overlapping a kept one by more than iou, at most limit.
func nms(cands, keep []candidate, iou float32, limit int) []candidate {
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
	for _, c := range cands {
		if len(keep) >= limit {
			break
		}
		ok := true
		for _, k := range keep {
			if IoU(c.box, k.box) > iou {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, c)
		}
	}
	return keep
}

// e2eDecoder decodes the NMS-free layout [1, N, 6+3K].
type e2eDecoder struct {
	cfg   Config
	cands []candidate
}

func (d *e2eDecoder) Name() string { return "yolo-pose-e2e" }

// Decode reads outputs[0] (or "output0") as [1, N, 6+3K] — per row x1, y1,
// x2, y2 in input pixels, score, class, then x, y and visibility score per
// keypoint — and returns the rows scoring ≥ ScoreThreshold by descending
// score, at most MaxPeople, in input pixels. No suppression is applied.
func (d *e2eDecoder) Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error) {
	t := pick(outputs, "output0", 0)
	if t == nil {
		return people[:0], &ShapeError{Decoder: "yolo-pose-e2e", Reason: "no output"}
	}
	if err := checkTensor("yolo-pose-e2e", t, 3); err != nil {
		return people[:0], err
	}
	k := d.cfg.NumKeypoints
	c := 6 + 3*k
	if t.Shape[0] != 1 || t.Shape[2] != c {
		return people[:0], &ShapeError{Decoder: "yolo-pose-e2e", Output: t.Name, Shape: t.Shape, Reason: fmt.Sprintf("want [1, N, 6+3·%d = %d]", k, c)}
	}
	n := t.Shape[1]
	d.cands = d.cands[:0]
	for i := range n {
		row := t.Data[i*c : (i+1)*c]
		if row[4] >= d.cfg.ScoreThreshold {
			d.cands = append(d.cands, candidate{score: row[4], index: i, box: [4]float32{row[0], row[1], row[2], row[3]}})
		}
	}
	slices.SortFunc(d.cands, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
	people = people[:0]
	for _, cd := range d.cands[:min(len(d.cands), d.cfg.MaxPeople)] {
		row := t.Data[cd.index*c : (cd.index+1)*c]
		var p *pose.Person
		people, p = pose.Grow(people, k)
		p.Box, p.Score = cd.box, cd.score
		for j := range k {
			s := row[6+3*j+2]
			p.Keypoints[j] = pose.Keypoint{X: row[6+3*j], Y: row[6+3*j+1], Score: s, Visibility: visibility(s, d.cfg.KeypointThreshold)}
		}
	}
	return people, nil
}
