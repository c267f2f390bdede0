package head

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// NMSKind selects how two boxes are compared.
type NMSKind int

const (
	// RotatedNMS suppresses a box whose exact bird's-eye-view IoU with a
	// better kept box of its group exceeds IoUThreshold.
	RotatedNMS NMSKind = iota
	// CircleNMS suppresses a box whose squared centre distance to a better
	// kept box of its group is at most MinRadius of that group (CenterPoint's
	// circle_nms, whose min_radius is compared with the squared distance).
	CircleNMS
	// NoNMS keeps every box (only PreMax, PostMax and GroupPostMax apply).
	NoNMS
)

// String returns "rotated", "circle" or "none".
func (k NMSKind) String() string {
	switch k {
	case RotatedNMS:
		return "rotated"
	case CircleNMS:
		return "circle"
	case NoNMS:
		return "none"
	}
	return fmt.Sprintf("NMSKind(%d)", int(k))
}

// ParseNMSKind maps "rotated", "circle" or "none" to its NMSKind.
func ParseNMSKind(s string) (NMSKind, error) {
	switch s {
	case "rotated", "":
		return RotatedNMS, nil
	case "circle":
		return CircleNMS, nil
	case "none":
		return NoNMS, nil
	}
	return 0, configErr("NMSConfig.Kind", s, "want rotated, circle or none")
}

// NMSConfig configures non-maximum suppression.
type NMSConfig struct {
	// Kind is the overlap test; default RotatedNMS.
	Kind NMSKind
	// IoUThreshold is the rotated BEV IoU above which the lower-scoring box
	// is suppressed; default 0.2 (CenterPoint's nms_thr).
	IoUThreshold float64
	// Scale holds BEVDet's Scale-NMS factors, one per class: a box's length
	// and width are multiplied by Scale[class] before the IoU test (e.g. 4.5
	// for pedestrians, 9 for traffic cones, 0.7 for trucks). Missing entries
	// and zeros mean 1. Only the test sees scaled boxes; the output keeps the
	// decoded sizes.
	Scale []float64
	// MinRadius holds CenterPoint's circle-NMS threshold per NMS group (its
	// test_cfg.min_radius, one per task): a box goes when its squared
	// centre distance to a better kept box of the group is ≤ MinRadius, in
	// m², so 4 suppresses within 2 m. A single entry applies to every group.
	// Required for CircleNMS.
	MinRadius []float64
	// Group maps each class to an NMS group (CenterPoint's task, i.e. head);
	// boxes suppress only boxes of the same group, whatever their class
	// within it. Nil means one group per class (class-aware NMS).
	Group []int
	// ClassAgnostic puts every class into one group, overriding Group.
	ClassAgnostic bool
	// PreMax keeps only the PreMax best boxes before suppression; 0 keeps
	// all.
	PreMax int
	// PostMax keeps only the PostMax best boxes after suppression; 0 keeps
	// all.
	PostMax int
	// GroupPostMax keeps only the GroupPostMax best boxes of each group
	// after suppression (CenterPoint's nms_post_max_size, which applies per
	// task); 0 keeps all.
	GroupPostMax int
}

// nmsBox is a box prepared for the overlap tests.
type nmsBox struct {
	corners                [4][2]float64
	minX, minY, maxX, maxY float64
	area                   float64
	group                  int
}

// NMS suppresses overlapping boxes, reusing its buffers between calls. An
// NMS is not safe for concurrent use.
type NMS struct {
	cfg       NMSConfig
	prep      []nmsBox
	keep      []int
	groupKept map[int]int // kept boxes per group, for GroupPostMax
}

// NewNMS validates cfg, fills its defaults and returns an NMS.
func NewNMS(cfg NMSConfig) (*NMS, error) {
	switch cfg.Kind {
	case RotatedNMS:
		if cfg.IoUThreshold == 0 {
			cfg.IoUThreshold = 0.2
		}
		if !(cfg.IoUThreshold > 0 && cfg.IoUThreshold <= 1) {
			return nil, configErr("NMSConfig.IoUThreshold", cfg.IoUThreshold, "want in (0, 1]")
		}
	case CircleNMS:
		if len(cfg.MinRadius) == 0 {
			return nil, configErr("NMSConfig.MinRadius", nil, "circle NMS needs at least one min_radius")
		}
		for i, r := range cfg.MinRadius {
			if !(r >= 0) || math.IsInf(r, 0) {
				return nil, configErr(fmt.Sprintf("NMSConfig.MinRadius[%d]", i), r, "want a finite value ≥ 0 m²")
			}
		}
		if len(cfg.MinRadius) > 1 && !cfg.ClassAgnostic {
			for c, g := range cfg.Group {
				if g < 0 || g >= len(cfg.MinRadius) {
					return nil, configErr("NMSConfig.MinRadius", cfg.MinRadius, "class %d is in group %d, which has no min_radius (%d given)", c, g, len(cfg.MinRadius))
				}
			}
		}
	case NoNMS:
	default:
		return nil, configErr("NMSConfig.Kind", cfg.Kind, "unknown kind")
	}
	for i, s := range cfg.Scale {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, configErr(fmt.Sprintf("NMSConfig.Scale[%d]", i), s, "want a finite value ≥ 0")
		}
	}
	for _, m := range []struct {
		field string
		v     int
	}{{"PreMax", cfg.PreMax}, {"PostMax", cfg.PostMax}, {"GroupPostMax", cfg.GroupPostMax}} {
		if m.v < 0 {
			return nil, configErr("NMSConfig."+m.field, m.v, "must be ≥ 0")
		}
	}
	return &NMS{cfg: cfg}, nil
}

// Config returns the NMS configuration with defaults filled in.
func (n *NMS) Config() NMSConfig { return n.cfg }

func (n *NMS) group(class int) int {
	if n.cfg.ClassAgnostic {
		return 0
	}
	if n.cfg.Group != nil {
		if class >= 0 && class < len(n.cfg.Group) {
			return n.cfg.Group[class]
		}
		return -1 - class // classes outside the map stay on their own
	}
	return class
}

func (n *NMS) scale(class int) float64 {
	if class >= 0 && class < len(n.cfg.Scale) && n.cfg.Scale[class] > 0 {
		return n.cfg.Scale[class]
	}
	return 1
}

// minRadius returns group's squared suppression distance, m², and whether
// the configuration gives it one.
func (n *NMS) minRadius(group int) (float64, bool) {
	if len(n.cfg.MinRadius) == 1 {
		return n.cfg.MinRadius[0], true
	}
	if group >= 0 && group < len(n.cfg.MinRadius) {
		return n.cfg.MinRadius[group], true
	}
	return 0, false
}

// CheckClasses reports an error naming the first of classes 0..k−1 that
// circle NMS has no min_radius for through its group; Apply would only
// suppress exact duplicates of such a class. It is nil for other kinds.
func (n *NMS) CheckClasses(k int) error {
	if n.cfg.Kind != CircleNMS {
		return nil
	}
	for c := range k {
		if _, ok := n.minRadius(n.group(c)); !ok {
			return configErr("NMSConfig.MinRadius", n.cfg.MinRadius, "class %d (group %d) has no min_radius: %d given, one per group (CenterPoint task)", c, n.group(c), len(n.cfg.MinRadius))
		}
	}
	return nil
}

// Apply sorts boxes by score (best first, stable), suppresses overlaps and
// returns the kept boxes in score order, reusing boxes' backing array. Boxes
// with a NaN score sort last.
func (n *NMS) Apply(boxes []Box) []Box {
	slices.SortStableFunc(boxes, func(a, b Box) int {
		an, bn := math.IsNaN(a.Score), math.IsNaN(b.Score)
		if an || bn {
			return cmp.Compare(btoi(an), btoi(bn))
		}
		return cmp.Compare(b.Score, a.Score)
	})
	if n.cfg.PreMax > 0 && len(boxes) > n.cfg.PreMax {
		boxes = boxes[:n.cfg.PreMax]
	}
	if n.cfg.Kind == NoNMS && n.cfg.GroupPostMax == 0 {
		return n.post(boxes)
	}
	prep := slices.Grow(n.prep[:0], len(boxes))[:len(boxes)]
	for i := range boxes {
		b := &boxes[i]
		p := &prep[i]
		p.group = n.group(b.Class)
		if n.cfg.Kind != RotatedNMS {
			continue
		}
		s := n.scale(b.Class)
		l, w := b.L*s, b.W*s
		if !(l > 0 && w > 0) {
			l, w = 0, 0
		}
		p.corners = rectCorners(b.X, b.Y, l, w, b.Yaw)
		p.area = l * w
		p.minX, p.minY = math.Inf(1), math.Inf(1)
		p.maxX, p.maxY = math.Inf(-1), math.Inf(-1)
		for _, c := range p.corners {
			p.minX, p.maxX = math.Min(p.minX, c[0]), math.Max(p.maxX, c[0])
			p.minY, p.maxY = math.Min(p.minY, c[1]), math.Max(p.maxY, c[1])
		}
	}
	n.prep = prep
	keep := n.keep[:0]
	if n.cfg.GroupPostMax > 0 {
		if n.groupKept == nil {
			n.groupKept = map[int]int{}
		}
		clear(n.groupKept)
	}
	for i := range boxes {
		if n.cfg.PostMax > 0 && len(keep) == n.cfg.PostMax {
			break // greedy: later boxes could only be kept after these
		}
		bi, pi := &boxes[i], &prep[i]
		if n.cfg.GroupPostMax > 0 && n.groupKept[pi.group] == n.cfg.GroupPostMax {
			continue // the group is full; its later boxes could only be kept after these
		}
		suppressed := false
		for _, j := range keep {
			if n.cfg.Kind == NoNMS {
				break
			}
			pj := &prep[j]
			if pj.group != pi.group {
				continue
			}
			if n.cfg.Kind == CircleNMS {
				// CenterPoint compares the squared distance with min_radius
				// itself: min_radius 4 suppresses within 2 m.
				r, _ := n.minRadius(pi.group)
				dx, dy := bi.X-boxes[j].X, bi.Y-boxes[j].Y
				if dx*dx+dy*dy <= r {
					suppressed = true
					break
				}
				continue
			}
			if pi.area == 0 || pj.area == 0 ||
				pi.maxX <= pj.minX || pj.maxX <= pi.minX || pi.maxY <= pj.minY || pj.maxY <= pi.minY {
				continue
			}
			inter := clipRect(&pi.corners, &pj.corners)
			if u := pi.area + pj.area - inter; u > 0 && inter/u > n.cfg.IoUThreshold {
				suppressed = true
				break
			}
		}
		if !suppressed {
			keep = append(keep, i)
			if n.cfg.GroupPostMax > 0 {
				n.groupKept[pi.group]++
			}
		}
	}
	n.keep = keep
	// keep is increasing, so compacting in place never overwrites a box that
	// is still to be read.
	for o, i := range keep {
		boxes[o] = boxes[i]
	}
	return n.post(boxes[:len(keep)])
}

func (n *NMS) post(boxes []Box) []Box {
	if n.cfg.PostMax > 0 && len(boxes) > n.cfg.PostMax {
		boxes = boxes[:n.cfg.PostMax]
	}
	return boxes
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
