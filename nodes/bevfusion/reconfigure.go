package bevfusionnode

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/perception/bev/head"
)

// markDynamic records which parameters may change while the node runs (the
// detection threshold and top-k, NMS, the synchronisation tolerances, the
// occupancy obstacle height and the temporal gap; topics, frames, models,
// providers and the grid a model fixes are read once) and their ranges:
// params/bevfusion.schema.json's minimum and maximum (an exclusive minimum
// as the lower end, which the node itself refuses; items' bounds for
// arrays), open ends infinite.
func markDynamic(ps *param.Set) {
	ps.Dynamic("score_threshold", "top_k",
		"nms", "nms_iou", "nms_scale", "nms_radius", "nms_groups", "max_detections",
		"sync_tolerance", "max_wait", "cloud_sync_limit", "temporal_max_gap", "obstacle_height")
	inf := math.Inf(1)
	ps.Range("score_threshold", math.Inf(-1), 1, 0)
	ps.Range("top_k", 1, inf, 0)
	ps.Range("nms_iou", 0, 1, 0)
	for _, name := range []string{"nms_scale", "nms_radius", "nms_groups", "max_detections",
		"sync_tolerance", "max_wait", "cloud_sync_limit", "temporal_max_gap"} {
		ps.Range(name, 0, inf, 0)
	}
}

// checkDynamic refuses what the ranges cannot say: nms_iou 0 (the schema's
// exclusive minimum; bev/head would take 0 for its default).
func checkDynamic(c *Config) error {
	if c.NMS.Kind == head.RotatedNMS && !(c.NMS.IoUThreshold > 0) {
		return paramErr("nms_iou", c.NMS.IoUThreshold, "want in (0, 1]")
	}
	return nil
}

// Reconfigure implements param.Reconfigurable: it declares and validates ps
// as at start and builds the new decoder and NMS aside; apply swaps them in
// and sets the tolerances between frames. It reads only what New fixed (the
// fuser's decoder configuration f.hc, its class count, the temporal stage),
// never n.cfg, which apply writes on the Handle goroutine, so a second
// Reconfigure may run beside an earlier apply.
func (n *Node) Reconfigure(ps *param.Set) (func(), error) {
	c, err := declare(ps, n.env.Root)
	if err != nil {
		return nil, err
	}
	nms, err := head.NewNMS(c.NMS)
	if err != nil {
		return nil, fmt.Errorf("bevfusion: nms: %w", err)
	}
	var dec *head.Decoder
	if n.fus != nil {
		if err := nms.CheckClasses(n.fus.k); err != nil {
			return nil, fmt.Errorf("bevfusion: nms_radius (set nms_groups to the class→task map): %w", err)
		}
		hc := n.fus.hc
		hc.ScoreThreshold, hc.TopK = c.Head.ScoreThreshold, c.Head.TopK
		if dec, err = head.New(hc); err != nil {
			return nil, fmt.Errorf("bevfusion: score_threshold/top_k: %w", err)
		}
	}
	return func() {
		cfg := &n.cfg
		cfg.Head.ScoreThreshold, cfg.Head.TopK = c.Head.ScoreThreshold, c.Head.TopK
		cfg.NMS, n.nms = c.NMS, nms
		if dec != nil {
			n.fus.dec = dec
		}
		cfg.SyncTolerance, cfg.MaxWait, cfg.CloudSyncLimit = c.SyncTolerance, c.MaxWait, c.CloudSyncLimit
		cfg.ObstacleHeight = c.ObstacleHeight
		cfg.TemporalMaxGap = c.TemporalMaxGap
		if n.temp != nil {
			n.temp.maxGapNS = int64(c.TemporalMaxGap * 1e9)
		}
	}, nil
}
