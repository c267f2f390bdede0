package bevfusionnode

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/warp"
)

// temporal keeps the previous frame's camera BEV feature and warps it into
// the current ego frame for fusers with a previous-BEV input (BEVDet4D).
type temporal struct {
	w        *warp.Warper
	chans    int
	prev     []float32 // previous camera_bev, [C, cells]
	prevPose tf.Transform
	prevNS   int64 // 0 when there is none
	maxGapNS int64
}

func newTemporal(g bev.Grid, l bev.Layout, chans int, maxGap float64) (*temporal, error) {
	w, err := warp.New(g, l)
	if err != nil {
		return nil, err
	}
	return &temporal{w: w, chans: chans, prev: make([]float32, chans*g.Cells()), maxGapNS: int64(maxGap * 1e9)}, nil
}

// fill writes into dst the previous feature warped by the ego motion from
// its stamp to now (odom←base_link poses from TF), or a copy of cur when
// there is no usable previous frame, and returns what it did for the facts.
func (t *temporal) fill(dst, cur []float32, pose tf.Transform, poseErr error, now int64) string {
	switch {
	case poseErr != nil:
		copy(dst, cur)
		return "current frame repeated: " + poseErr.Error()
	case t.prevNS == 0:
		copy(dst, cur)
		return "current frame repeated: no previous frame"
	case now-t.prevNS > t.maxGapNS:
		copy(dst, cur)
		return fmt.Sprintf("current frame repeated: previous frame %.2f s old", float64(now-t.prevNS)/1e9)
	}
	if err := t.w.SetMotion(warp.EgoMotion(t.prevPose, pose)); err != nil {
		copy(dst, cur)
		return "current frame repeated: " + err.Error()
	}
	if err := t.w.Warp(t.prev, t.chans, dst); err != nil {
		copy(dst, cur)
		return "current frame repeated: " + err.Error()
	}
	return "previous frame warped"
}

// keep stores cur as the previous frame for the next call; frames without a
// pose are not kept.
func (t *temporal) keep(cur []float32, pose tf.Transform, poseErr error, now int64) {
	if poseErr != nil {
		t.prevNS = 0
		return
	}
	copy(t.prev, cur)
	t.prevPose, t.prevNS = pose, now
}
