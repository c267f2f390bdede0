package pose2dnode

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/perception/pose/decode"
	"github.com/gopercept/gopercept/perception/pose/lift"
	"github.com/gopercept/gopercept/perception/pose/plausible"
	"github.com/gopercept/gopercept/perception/pose/track"
)

// markDynamic records which parameters may change while the node runs
// (detector and keypoint thresholds, slicing, tracking and its One-Euro
// smoothing, plausibility, the overlay, marker sizes and the depth pairing
// tolerance; topics, models, providers, threads, max_people, which sizes
// the models' batches, and the lifting set-up are read once) and their
// ranges: params/pose2d.schema.json's minimum (else exclusive minimum, which
// the node itself refuses) to maximum, open ends infinite.
func markDynamic(ps *param.Set) {
	ps.Dynamic("detector.score_threshold", "detector.iou_threshold", "detector.tiles",
		"pose.score_threshold", "pose.keypoint_threshold",
		"tracking.enabled", "tracking.min_hits", "tracking.max_misses", "tracking.min_similarity", "tracking.smoothing",
		"tracking.one_euro.min_cutoff", "tracking.one_euro.beta", "tracking.one_euro.d_cutoff",
		"plausibility.mode", "plausibility.min_score",
		"overlay.enabled", "markers.joint_size", "markers.line_width", "depth.max_stamp_diff")
	inf := math.Inf(1)
	for _, name := range []string{"detector.score_threshold", "detector.iou_threshold", "pose.score_threshold",
		"pose.keypoint_threshold", "tracking.min_similarity", "plausibility.min_score"} {
		ps.Range(name, 0, 1, 0)
	}
	ps.Range("detector.tiles", 1, 4, 0)
	ps.Range("tracking.min_hits", 1, inf, 0)
	for _, name := range []string{"tracking.max_misses", "tracking.one_euro.min_cutoff", "tracking.one_euro.beta",
		"tracking.one_euro.d_cutoff", "markers.joint_size", "markers.line_width", "depth.max_stamp_diff"} {
		ps.Range(name, 0, inf, 0)
	}
}

// checkDynamic refuses the exclusive ends the ranges cannot say, naming the
// parameter (pose/track would take 0 for its default).
func checkDynamic(c *Config) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"tracking.min_similarity", c.MinSimilarity}, {"tracking.one_euro.min_cutoff", c.MinCutoff},
		{"tracking.one_euro.d_cutoff", c.DCutoff}, {"markers.joint_size", c.JointSize}, {"markers.line_width", c.LineWidth}} {
		if !(f.v > 0) {
			return paramErr(f.name, f.v, "want > 0")
		}
	}
	return nil
}

// runState is what Reconfigure needs beyond the configuration: facts New
// fixed, and the tracker kept while tracking is off so that its ids go on.
type runState struct {
	overlayOut bool           // the overlay topic is advertised (overlay.enabled at start)
	idle       *track.Tracker // the tracker while tracking.enabled is false
}

func trackConfig(c *Config) track.Config {
	return track.Config{MinHits: c.MinHits, MaxMisses: c.MaxMisses, MinSimilarity: c.MinSimilarity,
		KeypointScore: float32(c.KeypointThreshold), Smooth: c.Smoothing,
		MinCutoff: c.MinCutoff, Beta: c.Beta, DCutoff: c.DCutoff}
}

func plausibleConfig(c *Config) plausible.Config {
	return plausible.Config{MinScore: float32(c.KeypointThreshold), MinPlausibility: c.MinPlausibility}
}

func liftConfig(c *Config) lift.Config {
	return lift.Config{Window: c.LiftWindow, MADK: c.LiftMADK, MinDepth: c.LiftMinDepth, MaxDepth: c.LiftMaxDepth,
		MinScore: float32(c.KeypointThreshold), PixelSigma: c.LiftPixelSigma, DepthNoise: c.LiftDepthNoise}
}

// setDynamic copies the Dynamic parameters' fields from src.
func setDynamic(dst, src *Config) {
	dst.DetScore, dst.DetIoU, dst.DetTiles = src.DetScore, src.DetIoU, src.DetTiles
	dst.PersonScore, dst.KeypointThreshold = src.PersonScore, src.KeypointThreshold
	dst.Tracking, dst.MinHits, dst.MaxMisses, dst.MinSimilarity = src.Tracking, src.MinHits, src.MaxMisses, src.MinSimilarity
	dst.Smoothing, dst.MinCutoff, dst.Beta, dst.DCutoff = src.Smoothing, src.MinCutoff, src.Beta, src.DCutoff
	dst.PlausibilityMode, dst.MinPlausibility = src.PlausibilityMode, src.MinPlausibility
	dst.Overlay, dst.JointSize, dst.LineWidth = src.Overlay, src.JointSize, src.LineWidth
	dst.DepthMaxStampDiff = src.DepthMaxStampDiff
}

// Reconfigure implements param.Reconfigurable: it declares and validates ps
// as at start and builds the pose decoder, plausibility checker and depth
// lifter for the new thresholds aside; apply swaps them in between frames,
// and gives the tracker its new configuration keeping its tracks and ids
// (tracking turned off keeps it idle, so that turned on again it does not
// hand out old ids). It reads only what New fixed (the models, whether the
// overlay is advertised), never n.cfg, which apply writes on the Handle
// goroutine, so a second Reconfigure may run beside an earlier apply.
func (n *Node) Reconfigure(ps *param.Set) (func(), error) {
	c, err := declare(ps, "")
	if err == nil {
		err = ps.Err()
	}
	if err != nil {
		return nil, err
	}
	if c.Overlay && !n.rs.overlayOut {
		return nil, paramErr("overlay.enabled", true, "the node started without the overlay, so %s is not advertised; restart it with overlay.enabled true", n.topic(c.OverlayTopic))
	}
	tc := trackConfig(&c)
	fresh, err := track.New(tc) // validates tc; used when tracking turns on with no tracker yet
	if err != nil {
		return nil, fmt.Errorf("pose2d: tracking: %w", err)
	}
	var checker *plausible.Checker
	if c.PlausibilityMode != "off" {
		if checker, err = plausible.New(plausibleConfig(&c)); err != nil {
			return nil, fmt.Errorf("pose2d: plausibility: %w", err)
		}
	}
	var lifter *lift.Lifter
	if c.DepthTopic != "" { // read once: the same as at start
		if lifter, err = lift.New(liftConfig(&c)); err != nil {
			return nil, fmt.Errorf("pose2d: lift: %w", err)
		}
	}
	var decs []decode.Decoder
	if n.est != nil {
		if decs, err = n.est.decoders(&c); err != nil {
			return nil, err
		}
	}
	return func() {
		setDynamic(&n.cfg, &c)
		if decs != nil {
			n.est.setDecoders(decs)
		}
		switch {
		case !c.Tracking:
			if n.tracker != nil {
				n.rs.idle, n.tracker = n.tracker, nil
			}
		case n.tracker != nil:
			n.tracker.SetConfig(tc) // validated by track.New above
		case n.rs.idle != nil:
			n.tracker, n.rs.idle = n.rs.idle, nil
			n.tracker.Reset()
			n.tracker.SetConfig(tc)
		default:
			n.tracker = fresh
		}
		n.checker = checker
		if c.DepthTopic != "" {
			n.lifter = lifter
		}
	}, nil
}
