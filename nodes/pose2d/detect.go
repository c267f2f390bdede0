package pose2dnode

import (
	"fmt"
	"slices"

	"github.com/gopercept/gopercept/perception/pose"
)

// detection is one person box in detector-input pixels.
type detection struct {
	box   [4]float32
	score float32
	pass  int // detector pass: 0 the whole image, k > 0 tile k
}

// decodeYOLODet reads a YOLO detection output of shape [1, 4+C, A]
// (Ultralytics' export) or [1, A, 4+C] (transposed; told apart by which of
// the two trailing dimensions is smaller), keeps anchors whose class-cls
// score reaches minScore, and applies greedy NMS at iou, returning at most
// maxN detections, best first, appended to out[:0].
func decodeYOLODet(data []float32, shape []int64, cls int, minScore, iou float32, maxN int, out []detection) ([]detection, error) {
	out = out[:0]
	if len(shape) != 3 || shape[0] != 1 {
		return out, fmt.Errorf("%w: detector output shape %v, want [1, 4+C, A]", ErrModel, shape)
	}
	c, a := int(shape[1]), int(shape[2])
	transposed := false
	if c > a {
		c, a = a, c
		transposed = true
	}
	if c < 5 || cls >= c-4 || len(data) < c*a {
		return out, fmt.Errorf("%w: detector output %v has no class %d", ErrModel, shape, cls)
	}
	at := func(ch, i int) float32 {
		if transposed {
			return data[i*c+ch]
		}
		return data[ch*a+i]
	}
	for i := 0; i < a; i++ {
		s := at(4+cls, i)
		if !(s >= minScore) {
			continue
		}
		cx, cy, w, h := at(0, i), at(1, i), at(2, i), at(3, i)
		if !(w > 0 && h > 0) {
			continue
		}
		out = append(out, detection{box: [4]float32{cx - w/2, cy - h/2, cx + w/2, cy + h/2}, score: s})
	}
	return nms(out, iou, maxN), nil
}

// nms sorts dets by score (ties by position, for determinism) and removes
// every box overlapping a better one by more than iou, or, when the two
// come from different detector passes (whole image and tiles), with most of
// the smaller inside the other (the same person seen at two scales); it
// keeps at most maxN.
func nms(dets []detection, iou float32, maxN int) []detection {
	slices.SortFunc(dets, func(a, b detection) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return slices.Compare(a.box[:], b.box[:])
	})
	keep := dets[:0]
	for _, d := range dets {
		ok := true
		for _, k := range keep {
			if boxIoU(d.box, k.box) > iou || d.pass != k.pass && boxIoS(d.box, k.box) > 0.7 {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, d)
			if len(keep) == maxN {
				break
			}
		}
	}
	return keep
}

// boxIoS is the intersection over the smaller box's area.
func boxIoS(a, b [4]float32) float32 {
	iw := min(a[2], b[2]) - max(a[0], b[0])
	ih := min(a[3], b[3]) - max(a[1], b[1])
	if iw <= 0 || ih <= 0 {
		return 0
	}
	return iw * ih / min((a[2]-a[0])*(a[3]-a[1]), (b[2]-b[0])*(b[3]-b[1]))
}

func boxIoU(a, b [4]float32) float32 {
	iw := min(a[2], b[2]) - max(a[0], b[0])
	ih := min(a[3], b[3]) - max(a[1], b[1])
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / ((a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - inter)
}

// mapBox maps a box through m as the axis-aligned box of its mapped
// corners.
func mapBox(m pose.Affine, b [4]float32) [4]float32 {
	p := pose.Person{Box: b}
	m.MapPerson(&p)
	return p.Box
}
