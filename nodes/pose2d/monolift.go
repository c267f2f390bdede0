package pose2dnode

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/lift"
	"gonum.org/v1/gonum/spatial/r3"
)

// monoFamily is the card family of monocular lifting models.
const monoFamily = "lift-mlp"

// COCO-17 hips: the lift's root is their midpoint, so both are required.
var lHip, rHip = pose.KeypointIndex("left_hip"), pose.KeypointIndex("right_hip")

// Ground-plane scale factors outside this range mean the feet are not on
// the ground (a cyclist, a person on steps, a bad ankle); the height prior
// is kept instead.
const minGroundScale, maxGroundScale = 0.5, 2.0

// monoLifter lifts 2D skeletons to 3D without depth with a lift-mlp model
// (see pose/lift's monocular functions): the model gives the shape, the
// person-height prior its size, PlaceRoot its position, and in ground mode
// the ground plane (TF) the final scale. A temporal model (card parameter
// window W > 1) takes the last W frames of a track, oldest first; a
// younger track (or an untracked person, id 0) repeats its oldest frame.
type monoLifter struct {
	model *infer.Model
	// prior is the skeleton scale B in metres of a person of
	// lift.person_height; contact the lower ankle's height above the
	// ground for that B (card: ankle_height_per_scale).
	prior, contact float64
	ground         bool
	window         int
	frame          int64 // frames lifted, for pruning histories
	hist           map[uint64]*trackHist
	feat           []float32

	xy     [][2]float64
	used   []bool
	rows   []int // people index of each batch row
	rel    []r3.Vec
	placed []r3.Vec
}

// newMonoLifter opens cfg.LiftModel and checks its card against the
// lift-mlp contract.
func newMonoLifter(cfg *Config, logf func(string)) (*monoLifter, error) {
	m, err := infer.Open(infer.Config{ModelPath: cfg.LiftModel, Providers: cfg.Providers, IntraOpThreads: cfg.Threads,
		DeviceID: cfg.DeviceID, FP16: cfg.FP16, BuildEngineOnly: cfg.BuildEngineOnly,
		Batch: 1, MaxBatch: max(cfg.MaxPeople, 1), Logf: logf})
	if err != nil {
		return nil, fmt.Errorf("pose2d: lift.model: %w", err)
	}
	l := &monoLifter{model: m, ground: cfg.LiftScale == "ground", window: 1, hist: map[uint64]*trackHist{}, feat: make([]float32, lift.MonoInputs)}
	if err := l.check(cfg); err != nil {
		m.Close()
		return nil, err
	}
	K := pose.NumKeypoints
	l.xy, l.used, l.rel, l.placed = make([][2]float64, K), make([]bool, K), make([]r3.Vec, K), make([]r3.Vec, K)
	return l, nil
}

func (l *monoLifter) check(cfg *Config) error {
	c := l.model.Card()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: lift.model %s (%s): %s", ErrModel, cfg.LiftModel, c.Name, fmt.Sprintf(format, a...))
	}
	if c.Family != monoFamily {
		return bad("family %q, want %s", c.Family, monoFamily)
	}
	if w, ok := c.Param("window"); ok {
		if w < 1 || w > 64 || w != math.Trunc(w) {
			return bad("window %g, want 1..64 frames", w)
		}
		l.window = int(w)
	}
	in, ok := c.Input("input")
	if !ok || len(in.Shape) != 2 || in.Shape[1].Size != int64(l.window*lift.MonoInputs) {
		return bad("want input \"input\" [N,%d] (window %d × %d)", l.window*lift.MonoInputs, l.window, lift.MonoInputs)
	}
	out, ok := c.Output("joints")
	if !ok || len(out.Shape) != 3 || out.Shape[1].Size != pose.NumKeypoints || out.Shape[2].Size != 3 {
		return bad("want output \"joints\" [N,%d,3]", pose.NumKeypoints)
	}
	sph, ok1 := c.Param("scale_per_height")
	ank, ok2 := c.Param("ankle_height_per_scale")
	if !ok1 || !ok2 || !(sph > 0) || !(ank >= 0) {
		return bad("parameters scale_per_height and ankle_height_per_scale are required")
	}
	l.prior = cfg.LiftPersonHeight * sph
	l.contact = ank * l.prior
	return nil
}

func (l *monoLifter) close() error { return l.model.Close() }

// groundPlane returns the ground's up axis in the camera frame and the
// camera centre's height above the plane z = 0 of groundFrame at stamp.
func (n *Node) groundPlane(camFrame string, stamp int64) (up r3.Vec, height float64, err error) {
	if n.tf == nil {
		return up, 0, fmt.Errorf("%w: lift.ground_frame %s: no TF buffer", lift.ErrTransform, n.cfg.LiftGroundFrame)
	}
	t, err := n.tf.Lookup(n.cfg.LiftGroundFrame, camFrame, stamp)
	if err != nil {
		return up, 0, fmt.Errorf("%w: %s ← %s at %d ns: %w", lift.ErrTransform, n.cfg.LiftGroundFrame, camFrame, stamp, err)
	}
	return t.Inverse().ApplyRotation(r3.Vec{Z: 1}), t.Translation.Z, nil
}

// doMono lifts people (with their track ids) of a width×height frame with
// the monocular model and publishes the 3D skeletons and markers, one per
// 2D skeleton in the same order (a person without both hips gets no
// joints); an error says why 3D was skipped.
func (n *Node) doMono(header std_msgs.Header, stamp int64, width, height int, people []pose.Person, ids []uint64, pub node.Publisher) error {
	l := n.mono
	if n.cam == nil {
		return ErrNoCameraInfo
	}
	if n.cam.Width != width || n.cam.Height != height {
		return fmt.Errorf("%w: CameraInfo is %d×%d but the image is %d×%d", ErrDepth, n.cam.Width, n.cam.Height, width, height)
	}
	var up r3.Vec
	var camH float64
	ground := l.ground
	if ground {
		var err error
		if up, camH, err = n.groundPlane(header.FrameID, stamp); err != nil {
			// Without the ground plane the height prior still gives a metric
			// skeleton; the facts say which scale the frame got.
			ground = false
			n.stats.Set("lift_scale", "prior: "+err.Error())
		}
	}
	// Rows of the batch: the people with both hips.
	l.rows = l.rows[:0]
	thr := float32(n.cfg.KeypointThreshold)
	for i := range people {
		kps := people[i].Keypoints
		if len(kps) != pose.NumKeypoints {
			continue
		}
		if kps[lHip].Score >= thr && kps[rHip].Score >= thr {
			l.rows = append(l.rows, i)
		}
	}
	var out []float32
	if len(l.rows) > 0 {
		if err := l.model.SetBatch(len(l.rows)); err != nil {
			return fmt.Errorf("pose2d: lift.model: %w", err)
		}
		in := l.model.Input("input")
		kept := l.rows[:0]
		rowLen := l.window * lift.MonoInputs
		for _, i := range l.rows {
			if l.normalise(n, people[i].Keypoints, thr) && lift.MonoFeatures(l.xy, l.used, l.feat) == nil {
				l.fillWindow(ids[i], in[len(kept)*rowLen:(len(kept)+1)*rowLen])
				kept = append(kept, i)
			}
		}
		l.rows = kept
		if len(kept) > 0 {
			if err := l.model.RunBatch(len(kept)); err != nil {
				return err
			}
			out = l.model.Output("joints")
		}
	}
	l.prune()
	frame := header.FrameID
	if n.cfg.TargetFrame != "" {
		frame = n.cfg.TargetFrame
	}
	n.out3D.Header = std_msgs.Header{Stamp: header.Stamp, FrameID: frame}
	n.out3D.Skeletons = n.out3D.Skeletons[:0]
	row, fallbacks, bad := 0, 0, 0
	K := pose.NumKeypoints
	for i := range people {
		p := &people[i]
		n.joints = n.joints[:0]
		for range K {
			n.joints = append(n.joints, lift.Joint{})
		}
		if row < len(l.rows) && l.rows[row] == i {
			// The same normalisation as the batch row, for the use flags and xy.
			l.normalise(n, p.Keypoints, thr)
			o := out[row*3*K : (row+1)*3*K]
			for j := range K {
				l.rel[j] = r3.Vec{X: float64(o[3*j]) * l.prior, Y: float64(o[3*j+1]) * l.prior, Z: float64(o[3*j+2]) * l.prior}
			}
			row++
			if T, ok := lift.PlaceRoot(l.rel, l.xy, l.used); ok {
				for j := range K {
					l.placed[j] = r3.Add(T, l.rel[j])
				}
				if ground {
					if a, ok := lift.GroundScale(l.placed, up, camH, l.contact, minGroundScale, maxGroundScale); ok {
						for j := range K {
							l.placed[j] = r3.Scale(a, l.placed[j])
						}
					} else {
						fallbacks++
					}
				}
				for j := range K {
					vis := pose.Occluded // inferred by the model, not seen
					if l.used[j] {
						vis = pose.Visible
					}
					n.joints[j] = lift.Joint{P: l.placed[j], Valid: true, Score: p.Keypoints[j].Score, Visibility: vis}
				}
			}
		}
		if err := lift.ToFrame(n.tf, n.cfg.TargetFrame, header.FrameID, stamp, n.joints); err != nil {
			return err
		}
		if n.appendSkeleton3D(ids[i], p.Score, n.joints[0].Valid) {
			bad++
		}
	}
	if n.checker != nil {
		n.stats.Set("implausible_3d", fmt.Sprint(bad))
	}
	if ground {
		n.stats.Set("lift_scale", fmt.Sprintf("ground (%d of %d people on the height prior: feet off the ground)", fallbacks, len(l.rows)))
	} else if !l.ground {
		n.stats.Set("lift_scale", "prior")
	}
	n.stats.Set("lifted", fmt.Sprintf("%d of %d", len(l.rows), len(people)))
	if err := pub.Publish(n.cfg.Skeletons3DTopic, &n.out3D); err != nil {
		return err
	}
	n.buildMarkers()
	return pub.Publish(n.cfg.MarkersTopic, &n.markers)
}

// trackHist is a track's last window frames of features, a ring.
type trackHist struct {
	feats   [][]float32
	n, next int // frames stored (up to the window), slot of the next one
	seen    int64
}

// fillWindow writes the model input of one person to row: with a window of
// one the current features; otherwise the track's last frames, oldest
// first, after adding the current ones, the oldest repeated where the
// track is younger than the window (an untracked person: the current frame
// W times).
func (l *monoLifter) fillWindow(id uint64, row []float32) {
	W, M := l.window, lift.MonoInputs
	if W == 1 {
		copy(row, l.feat)
		return
	}
	if id == 0 {
		for w := range W {
			copy(row[w*M:], l.feat)
		}
		return
	}
	h := l.hist[id]
	if h == nil {
		h = &trackHist{feats: make([][]float32, W)}
		for w := range h.feats {
			h.feats[w] = make([]float32, M)
		}
		l.hist[id] = h
	}
	copy(h.feats[h.next], l.feat)
	h.next = (h.next + 1) % W
	h.n = min(h.n+1, W)
	h.seen = l.frame
	for w := range W {
		k := max(0, w-(W-h.n)) // index among the stored frames, oldest 0
		copy(row[w*M:], h.feats[(h.next-h.n+k+W)%W])
	}
}

// prune ends the frame: histories of tracks not seen for two windows are
// dropped (the tracker has ended them or they left the image).
func (l *monoLifter) prune() {
	for id, h := range l.hist {
		if l.frame-h.seen > int64(2*l.window) {
			delete(l.hist, id)
		}
	}
	l.frame++
}

// normalise fills l.xy (undistorted normalised coordinates) and l.used
// (score at least thr and a finite undistortion) from one person's
// keypoints; false when a hip is unusable.
func (l *monoLifter) normalise(n *Node, kps []pose.Keypoint, thr float32) bool {
	for j, k := range kps {
		x, y := n.cam.Undistort(float64(k.X), float64(k.Y))
		l.used[j] = k.Score >= thr && !math.IsNaN(x) && !math.IsNaN(y)
		l.xy[j] = [2]float64{x, y}
		if !l.used[j] {
			l.xy[j] = [2]float64{}
		}
	}
	return l.used[lHip] && l.used[rHip]
}
