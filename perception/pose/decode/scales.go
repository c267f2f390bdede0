package decode

import "github.com/gopercept/gopercept/perception/pose"

// ScaleFusion merges the people one model found in the same image at
// several input sizes (multi-scale testing). A bottom-up model at one
// input size can lose a limb another size finds — MoveNet MultiPose at
// 256 loses the arm of a person filling the frame that it finds at 192 —
// so each joint keeps the estimate its model was surer of.
type ScaleFusion struct {
	// MinIoU is the box overlap above which two people are the same
	// person; default 0.5.
	MinIoU float32
	used   []bool
}

// Fuse merges other into base, both in image pixels, and returns base.
// Each person of other is matched to the free person of base whose box
// overlaps it most (at least MinIoU); a matched person takes, joint by
// joint, the keypoint of higher score, and the higher person score. People
// of other without a match are appended: a person only one size found.
// base's storage is reused, so Fuse allocates nothing once base has grown
// to its largest size.
func (f *ScaleFusion) Fuse(base, other []pose.Person) []pose.Person {
	minIoU := f.MinIoU
	if minIoU == 0 {
		minIoU = 0.5
	}
	n := len(base)
	f.used = append(f.used[:0], make([]bool, n)...)
	for i := range other {
		o := &other[i]
		best, bestIoU := -1, minIoU
		for j := range n {
			if f.used[j] {
				continue
			}
			if v := IoU(base[j].Box, o.Box); v >= bestIoU {
				best, bestIoU = j, v
			}
		}
		if best < 0 {
			var p *pose.Person
			base, p = pose.Grow(base, len(o.Keypoints))
			p.CopyFrom(o)
			continue
		}
		f.used[best] = true
		b := &base[best]
		b.Score = max(b.Score, o.Score)
		for k := range min(len(b.Keypoints), len(o.Keypoints)) {
			if o.Keypoints[k].Score > b.Keypoints[k].Score {
				b.Keypoints[k] = o.Keypoints[k]
			}
		}
	}
	return base
}
