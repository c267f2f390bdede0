package decode

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/pose"
)

// SimCC decodes one person's RTMPose vectors (x is [k,wx], y is [k,hy]) into
// out[:k] in input pixels: coordinate = argmax / ratio; score = the smaller
// of the two maxima (RTMPose's get_simcc_maximum), or their mean when mean
// is set.
func SimCC(x, y []float32, k, wx, hy int, ratio float64, mean bool, out []pose.Keypoint) {
	for j := range k {
		ix, _, vx := Argmax(x[j*wx:(j+1)*wx], wx, 1)
		iy, _, vy := Argmax(y[j*hy:(j+1)*hy], hy, 1)
		s := min(vx, vy)
		if mean {
			s = (vx + vy) / 2
		}
		out[j] = pose.Keypoint{X: float32(float64(ix) / ratio), Y: float32(float64(iy) / ratio), Score: s}
	}
}

// simccDecoder decodes RTMPose's simcc_x [N,K,W·r] and simcc_y [N,K,H·r].
type simccDecoder struct{ cfg Config }

func (d *simccDecoder) Name() string { return "simcc" }

// Decode reads the outputs named "simcc_x" and "simcc_y" (else outputs 0 and
// 1) and returns N people in input pixels.
func (d *simccDecoder) Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error) {
	tx, ty := pick(outputs, "simcc_x", 0), pick(outputs, "simcc_y", 1)
	if tx == nil || ty == nil {
		return people[:0], &ShapeError{Decoder: "simcc", Reason: fmt.Sprintf("%d outputs, want simcc_x and simcc_y", len(outputs))}
	}
	if err := checkTensor("simcc", tx, 3); err != nil {
		return people[:0], err
	}
	if err := checkTensor("simcc", ty, 3); err != nil {
		return people[:0], err
	}
	n, k, wx, hy := tx.Shape[0], tx.Shape[1], tx.Shape[2], ty.Shape[2]
	if ty.Shape[0] != n || ty.Shape[1] != k {
		return people[:0], &ShapeError{Decoder: "simcc", Output: ty.Name, Shape: ty.Shape, Reason: fmt.Sprintf("batch and keypoints differ from simcc_x %v", tx.Shape)}
	}
	r := d.cfg.SplitRatio
	w, h := d.cfg.InputWidth, d.cfg.InputHeight
	if w == 0 && h == 0 {
		w, h = int(float64(wx)/r+0.5), int(float64(hy)/r+0.5)
	}
	people = people[:0]
	for i := range n {
		var p *pose.Person
		people, p = pose.Grow(people, k)
		SimCC(tx.Data[i*k*wx:(i+1)*k*wx], ty.Data[i*k*hy:(i+1)*k*hy], k, wx, hy, r, d.cfg.SimCCMeanScore, p.Keypoints)
		for j := range p.Keypoints {
			p.Keypoints[j].Score = finite(p.Keypoints[j].Score)
			p.Keypoints[j].Visibility = visibility(p.Keypoints[j].Score, d.cfg.KeypointThreshold)
		}
		finishTopDown(p, w, h)
	}
	return people, nil
}
