package pose2dnode

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/lift"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

const liftModel = "../../models/pose-lift-small.onnx"

// newMonoNode builds the node with the committed lift model (the 2D models
// are the tests' small synthetic ones: doMono is fed the 2D people).
func newMonoNode(t *testing.T, buf *tf.Buffer, extra map[string]any) (*Node, *node.Stats) {
	t.Helper()
	needORT(t)
	det, pm := buildModels(t, t.TempDir())
	values, err := param.LoadFile(filepath.Join("..", "..", "params", "pose2d.yaml"), "pose2d")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(liftModel)
	values["model.path"], values["detector.path"], values["depth.topic"], values["lift.model"] = pm, det, "", abs
	for k, v := range extra {
		values[k] = v
	}
	st := node.NewStats()
	nn, err := New(node.Env{Name: "pose2d", Params: param.New("pose2d", values), Stats: st, TF: buf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nn.Close() })
	return nn.(*Node), st
}

// TestMonoLiftSimulated lifts the simulator's 2D ground truth of held-out
// seed 301 (front camera, 640×480, lens distortion) through the node's
// monocular path: CameraInfo undistortion, the card's normalisation, the
// model, the height prior, root placement and the ground plane from TF,
// and compares with the 3D ground truth. The root-aligned error must be
// what the card's validation (the same clean 2D, seed 91) says, and the
// ground plane must place people where they are.
func TestMonoLiftSimulated(t *testing.T) {
	card, err := infer.LoadCard(infer.CardPathFor(liftModel))
	if err != nil {
		t.Fatal(err)
	}
	valRoot, ok1 := card.Metrics["val_mpjpe_ground_mm"].(float64)
	valAbs, ok2 := card.Metrics["val_abs_mpjpe_ground_mm"].(float64)
	if !ok1 || !ok2 {
		t.Fatalf("card %s lacks val_mpjpe_ground_mm / val_abs_mpjpe_ground_mm", card.Name)
	}
	cfg := simdrive.Config{Seed: 301, Duration: 1, Cameras: "front", Width: 640, Height: 480, Crowd: true}
	world, rig, err := simdrive.World(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cam := rig.Cameras[0]
	buf, err := tf.New(tf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	x := cam.Extrinsic
	if err := buf.SetTransform("base_link", cam.Frame, 0, tf.Transform{Translation: x.Translation,
		Rotation: quat.Number{Real: x.Rotation.W, Imag: x.Rotation.X, Jmag: x.Rotation.Y, Kmag: x.Rotation.Z}}, true); err != nil {
		t.Fatal(err)
	}
	n, st := newMonoNode(t, buf, nil)
	m := cam.Model
	if n.cam, err = camera.FromCameraInfo(uint32(m.Width), uint32(m.Height), "plumb_bob", m.D[:], [9]float64{m.Fx, 0, m.Cx, 0, m.Fy, m.Cy, 0, 0, 1}); err != nil {
		t.Fatal(err)
	}
	var rootErr, absErr []float64
	var r recorder
	for k := 0; k < 12; k += 3 {
		tt := float64(k) / 12
		var people []pose.Person
		var truth [][]r3.Vec
		for _, g := range world.PersonsGT(cam, tt, 0) {
			if g.Class != sim.ClassPerson || g.Box[3]-g.Box[1] < 24 {
				continue
			}
			p := pose.Person{Score: 1, Box: [4]float32{float32(g.Box[0]), float32(g.Box[1]), float32(g.Box[2]), float32(g.Box[3])}}
			for _, kp := range g.Keypoints {
				s := float32(0)
				if kp.Visibility != sim.VisNotLabelled {
					s = 1
				}
				p.Keypoints = append(p.Keypoints, pose.Keypoint{X: float32(kp.U), Y: float32(kp.V), Score: s, Visibility: kp.Visibility})
			}
			people = append(people, p)
			truth = append(truth, g.KeypointsCam[:])
		}
		// One person without hips: published in order, with no joints.
		noHips := pose.Person{Score: 1, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}
		people = append(people, noHips)
		ids := make([]uint64, len(people))
		h := std_msgs.Header{Stamp: node.TimeFromNS(int64(1e9 + k*1e8)), FrameID: cam.Frame}
		if err := n.doMono(h, node.StampNS(h.Stamp), m.Width, m.Height, people, ids, &r); err != nil {
			t.Fatal(err)
		}
		var s3 gopercept_msgs.Skeleton3DArray
		r.last(t, n.cfg.Skeletons3DTopic, &s3)
		if len(s3.Skeletons) != len(people) || s3.Header.FrameID != cam.Frame {
			t.Fatalf("%d 3D skeletons in %q for %d people", len(s3.Skeletons), s3.Header.FrameID, len(people))
		}
		for _, kp := range s3.Skeletons[len(people)-1].Keypoints {
			if kp.Visibility != 0 {
				t.Fatal("a person without hips got joints")
			}
		}
		for i, gt := range truth {
			kps := s3.Skeletons[i].Keypoints
			if kps[11].Visibility == 0 {
				continue // a hip outside the image
			}
			pred := make([]r3.Vec, len(kps))
			for j, kp := range kps {
				pred[j] = r3.Vec{X: kp.Position.X, Y: kp.Position.Y, Z: kp.Position.Z}
				absErr = append(absErr, r3.Norm(r3.Sub(pred[j], gt[j])))
			}
			rootErr = lift.RootAlignedErrors(pred, gt, nil, rootErr)
		}
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return 1000 * s / float64(len(v))
	}
	rootMM, absMM := mean(rootErr), mean(absErr)
	t.Logf("seed 301, ground-truth 2D, %d joints: root-aligned MPJPE %.1f mm, absolute %.1f mm (card validation on seed 91: %.1f / %.1f); %s",
		len(rootErr), rootMM, absMM, valRoot, valAbs, st.Snapshot().Facts["lift_scale"])
	// The seeds differ, so the figures agree only as well as two drives do;
	// a wrong normalisation or scale is several times off.
	if len(rootErr) < 17*20 || !(rootMM < 1.3*valRoot) || !(absMM < 1.5*valAbs) {
		t.Fatalf("%d joints, root-aligned MPJPE %.1f mm, absolute %.1f mm; card %.1f / %.1f", len(rootErr), rootMM, absMM, valRoot, valAbs)
	}
	if f := st.Snapshot().Facts["lift_scale"]; !strings.HasPrefix(f, "ground") {
		t.Fatalf("lift_scale %q, want ground", f)
	}
	// Without the transform the height prior still gives 3D, and says so.
	n.cfg.LiftGroundFrame = "odom"
	h := std_msgs.Header{Stamp: node.TimeFromNS(5e9), FrameID: cam.Frame}
	before := r.count(n.cfg.Skeletons3DTopic)
	if err := n.doMono(h, 5e9, m.Width, m.Height, nil, nil, &r); err != nil || r.count(n.cfg.Skeletons3DTopic) != before+1 {
		t.Fatalf("without TF: %v, %d published", err, r.count(n.cfg.Skeletons3DTopic)-before)
	}
	if f := st.Snapshot().Facts["lift_scale"]; !strings.HasPrefix(f, "prior: ") || !strings.Contains(f, "odom") {
		t.Fatalf("lift_scale %q, want the prior with the TF error", f)
	}
}

// TestMonoLiftConfig: lift.model with depth, a bad scale mode, a model of
// another family.
func TestMonoLiftConfig(t *testing.T) {
	needORT(t)
	det, pm := buildModels(t, t.TempDir())
	abs, _ := filepath.Abs(liftModel)
	for _, c := range []struct {
		extra  map[string]any
		want   error
		param  string // the parameter a configuration error names, and why
		reason string
	}{
		{map[string]any{"lift.model": abs, "depth.topic": "camera/depth"}, configerr.ErrInvalid, "depth.topic", "set with lift.model; 3D comes from one of them (set depth.topic to \"\" for monocular lifting)"},
		{map[string]any{"lift.model": abs, "depth.topic": "", "lift.scale": "height"}, configerr.ErrInvalid, "lift.scale", "want ground or prior"},
		{map[string]any{"lift.model": abs, "depth.topic": "", "lift.person_height": 3.0}, configerr.ErrInvalid, "lift.person_height", "want 0.5..2.5 m"},
		{map[string]any{"lift.model": pm, "depth.topic": ""}, ErrModel, "", ""},
	} {
		values, _ := param.LoadFile(filepath.Join("..", "..", "params", "pose2d.yaml"), "pose2d")
		values["model.path"], values["detector.path"] = pm, det
		for k, v := range c.extra {
			values[k] = v
		}
		nn, err := New(node.Env{Name: "pose2d", Params: param.New("pose2d", values)})
		if err == nil {
			nn.Close()
		}
		var ce *configerr.Error
		if !errors.Is(err, c.want) || (c.param != "" && (!errors.As(err, &ce) || ce.Param != c.param || ce.Reason != c.reason)) {
			t.Errorf("%v: %v, want %v naming %q: %s", c.extra, err, c.want, c.param, c.reason)
		}
	}
	n, _ := newMonoNode(t, nil, map[string]any{"lift.scale": "prior"})
	outs := map[string]bool{}
	for _, o := range n.Outputs() {
		outs[o.Name] = true
	}
	if !outs[n.cfg.Skeletons3DTopic] || !outs[n.cfg.MarkersTopic] || math.IsNaN(n.mono.prior) || n.mono.prior < 1 {
		t.Fatalf("outputs %v, prior B %g m", outs, n.mono.prior)
	}
}

// TestMonoWindow: a temporal lifter's input is the track's last frames,
// oldest first, a young track repeating its oldest frame, an untracked
// person its current one; a track unseen for two windows is forgotten.
func TestMonoWindow(t *testing.T) {
	const W, M = 3, lift.MonoInputs
	l := &monoLifter{window: W, hist: map[uint64]*trackHist{}, feat: make([]float32, M)}
	row := make([]float32, W*M)
	frames := func() []float32 {
		out := make([]float32, W)
		for w := range W {
			out[w] = row[w*M]
		}
		return out
	}
	same := func(a []float32, b ...float32) bool {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for f := 1; f <= 4; f++ {
		l.feat[0] = float32(f)
		l.fillWindow(7, row)
		l.prune()
		want := map[int][]float32{1: {1, 1, 1}, 2: {1, 1, 2}, 3: {1, 2, 3}, 4: {2, 3, 4}}[f]
		if got := frames(); !same(got, want...) {
			t.Fatalf("frame %d: window %v, want %v", f, got, want)
		}
	}
	l.feat[0] = 9
	l.fillWindow(0, row)
	if got := frames(); !same(got, 9, 9, 9) {
		t.Fatalf("untracked: %v", got)
	}
	for range 2*W + 1 {
		l.prune()
	}
	if len(l.hist) != 0 {
		t.Fatalf("%d histories kept after the track ended", len(l.hist))
	}
}
