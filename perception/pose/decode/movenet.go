package decode

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/gopercept/gopercept/perception/pose"
)

// MoveNet's outputs hold coordinates normalised to the model input: y
// first, then x, then the score, per keypoint (Google's TF Hub contract).

// movenetMultiDecoder decodes MoveNet MultiPose's [1, P, 3K+5].
type movenetMultiDecoder struct {
	cfg   Config
	cands []candidate
}

func (d *movenetMultiDecoder) Name() string { return "movenet-multipose" }

// Decode reads outputs[0] (or "output_0") as [1, P, 3K+5]: per person K
// keypoints as (y, x, score) normalised to the input, then ymin, xmin, ymax,
// xmax (normalised) and the person score. It keeps the people scoring ≥
// ScoreThreshold, by descending score, at most MaxPeople, in input pixels.
// No suppression is applied: the model's P people come from distinct
// centre-heatmap peaks, and Google's reference post-processing keeps them
// all.
func (d *movenetMultiDecoder) Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error) {
	const name = "movenet-multipose"
	t := pick(outputs, "output_0", 0)
	if t == nil {
		return people[:0], &ShapeError{Decoder: name, Reason: "no output"}
	}
	if err := checkTensor(name, t, 3); err != nil {
		return people[:0], err
	}
	k := d.cfg.NumKeypoints
	c := 3*k + 5
	if t.Shape[0] != 1 || t.Shape[2] != c {
		return people[:0], &ShapeError{Decoder: name, Output: t.Name, Shape: t.Shape, Reason: fmt.Sprintf("want [1, P, 3·%d+5 = %d]", k, c)}
	}
	w, h := float32(d.cfg.InputWidth), float32(d.cfg.InputHeight)
	d.cands = d.cands[:0]
	for i := range t.Shape[1] {
		row := t.Data[i*c : (i+1)*c]
		if s := row[3*k+4]; s >= d.cfg.ScoreThreshold {
			d.cands = append(d.cands, candidate{score: s, index: i,
				box: [4]float32{row[3*k+1] * w, row[3*k] * h, row[3*k+3] * w, row[3*k+2] * h}})
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
		var p *pose.Person
		people, p = pose.Grow(people, k)
		p.Box, p.Score = cd.box, cd.score
		movenetKeypoints(t.Data[cd.index*c:], k, w, h, d.cfg.KeypointThreshold, p.Keypoints)
	}
	return people, nil
}

// movenetDecoder decodes MoveNet SinglePose (Lightning, Thunder):
// [N, 1, K, 3], one person per batch item.
type movenetDecoder struct {
	cfg  Config
	name string
}

func (d *movenetDecoder) Name() string { return d.name }

// Decode reads outputs[0] (or "output_0") as [N, 1, K, 3] (y, x, score
// normalised to the input) and returns N people in input pixels, each boxed
// by its keypoints scoring ≥ KeypointThreshold (all keypoints when none
// does) and scored by its mean keypoint score.
func (d *movenetDecoder) Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error) {
	t := pick(outputs, "output_0", 0)
	if t == nil {
		return people[:0], &ShapeError{Decoder: d.name, Reason: "no output"}
	}
	if err := checkTensor(d.name, t, 4); err != nil {
		return people[:0], err
	}
	k := d.cfg.NumKeypoints
	if t.Shape[1] != 1 || t.Shape[2] != k || t.Shape[3] != 3 {
		return people[:0], &ShapeError{Decoder: d.name, Output: t.Name, Shape: t.Shape, Reason: fmt.Sprintf("want [N, 1, %d, 3]", k)}
	}
	w, h := float32(d.cfg.InputWidth), float32(d.cfg.InputHeight)
	people = people[:0]
	for i := range t.Shape[0] {
		var p *pose.Person
		people, p = pose.Grow(people, k)
		movenetKeypoints(t.Data[i*3*k:], k, w, h, d.cfg.KeypointThreshold, p.Keypoints)
		var s float32
		for _, kp := range p.Keypoints {
			s += kp.Score
		}
		p.Score = s / float32(k)
		p.Box = keypointBox(p.Keypoints, d.cfg.KeypointThreshold)
	}
	return people, nil
}

// movenetKeypoints reads k (y, x, score) triples normalised to a w×h input
// into out in input pixels.
func movenetKeypoints(row []float32, k int, w, h, thr float32, out []pose.Keypoint) {
	for j := range k {
		s := finite(row[3*j+2])
		out[j] = pose.Keypoint{X: row[3*j+1] * w, Y: row[3*j] * h, Score: s, Visibility: visibility(s, thr)}
	}
}

// keypointBox is the extent of the keypoints scoring ≥ thr, or of all of
// them when none does.
func keypointBox(kps []pose.Keypoint, thr float32) [4]float32 {
	for _, all := range []bool{false, true} {
		b, n := [4]float32{}, 0
		for _, kp := range kps {
			if !all && !(kp.Score >= thr) {
				continue
			}
			if n == 0 {
				b = [4]float32{kp.X, kp.Y, kp.X, kp.Y}
			}
			b = [4]float32{min(b[0], kp.X), min(b[1], kp.Y), max(b[2], kp.X), max(b[3], kp.Y)}
			n++
		}
		if n > 0 {
			return b
		}
	}
	return [4]float32{}
}
