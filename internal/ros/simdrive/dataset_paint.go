package simdrive

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/lidarseg"
	"gonum.org/v1/gonum/num/quat"
)

// lidarPainter paints a training sweep's range image as the lidarseg node
// paints a drive's: each camera's image nearest the sweep's stamp in Run's
// schedule, its calibration through CameraInfo, and camera←lidar from a TF
// buffer holding the transforms Run publishes (odom←base_link every 20 ms,
// the static mounts), looked up through odom at the two stamps. So the
// model is trained on the channels the node computes for it.
type lidarPainter struct {
	cams    []*sim.Camera
	models  []*camera.Model
	buf     *tf.Buffer
	painter *lidarseg.Painter
	pcs     []lidarseg.PaintCamera
	hz      float64
	// render gives a camera's rgb8 image at t (World.Render; the test
	// swaps in the ground-truth labels).
	render  func(c *sim.Camera, t float64) []byte
	painted int // pixels painted and shown, over the dataset
	shown   int
}

// tfOf converts a sim pose as the simulator's TF messages carry it.
func tfOf(p sim.Pose) tf.Transform {
	return tf.Transform{Translation: p.Translation,
		Rotation: quat.Number{Real: p.Rotation.W, Imag: p.Rotation.X, Jmag: p.Rotation.Y, Kmag: p.Rotation.Z}}
}

// newLidarPainter finds the named cameras (topic names, cam_front) in rig.
func newLidarPainter(world *sim.World, rig *sim.Rig, names, channels []string, cameraHz float64) (*lidarPainter, error) {
	p := &lidarPainter{hz: cameraHz}
	p.render = func(c *sim.Camera, t float64) []byte { return world.Render(c, t, sim.RenderOptions{}).RGB }
	var err error
	if p.painter, err = lidarseg.NewPainter(lidarseg.PaintConfig{Channels: channels}); err != nil {
		return nil, fmt.Errorf("simulate: paint: %w", err)
	}
	if p.buf, err = tf.New(tf.Config{}); err != nil {
		return nil, fmt.Errorf("simulate: paint: %w", err)
	}
	if err := p.buf.SetTransform(sim.FrameBaseLink, sim.FrameLidarTop, ns(0), tfOf(rig.LidarMount), true); err != nil {
		return nil, fmt.Errorf("simulate: paint: lidar mount: %w", err)
	}
	for _, name := range names {
		var c *sim.Camera
		for _, rc := range rig.Cameras {
			if CameraName(rc) == name {
				c = rc
			}
		}
		if c == nil {
			have := make([]string, len(rig.Cameras))
			for i, rc := range rig.Cameras {
				have[i] = CameraName(rc)
			}
			return nil, fmt.Errorf("simulate: paint: no camera %q in the rig (have %v)", name, have)
		}
		ci := CameraInfo(c, std_msgs.Header{})
		m, err := camera.FromCameraInfo(ci.Width, ci.Height, ci.DistortionModel, ci.D, ci.K)
		if err != nil {
			return nil, fmt.Errorf("simulate: paint: %s: %w", name, err)
		}
		if err := p.buf.SetTransform(sim.FrameBaseLink, c.Frame, ns(0), tfOf(c.Extrinsic), true); err != nil {
			return nil, fmt.Errorf("simulate: paint: %s mount: %w", name, err)
		}
		p.cams, p.models = append(p.cams, c), append(p.models, m)
	}
	p.pcs = make([]lidarseg.PaintCamera, len(p.cams))
	return p, nil
}

// paint renders the cameras near the sweep starting at tc (its stamp) and
// fills dst with the paint channels of pr.
func (p *lidarPainter) paint(world *sim.World, dst []float32, pr *lidarseg.Projection, cloud lidarseg.Cloud, frame string, tc float64) error {
	// Run's camera frames are k/CameraHz: the nearest to the sweep's stamp
	// (never a tie: the rates are 10 and 12 Hz by default).
	ti := math.Round(tc*p.hz) / p.hz
	// /tf as Run writes it: odom←base_link at every 20 ms, around both stamps.
	lo, hi := math.Floor(min(tc, ti)/0.02)-1, math.Ceil(max(tc, ti)/0.02)+1
	for j := max(lo, 0); j <= hi; j++ {
		t := j * 0.02
		if err := p.buf.SetTransform(sim.FrameOdom, sim.FrameBaseLink, ns(t), tfOf(world.EgoOdometry(t).Pose), false); err != nil {
			return fmt.Errorf("simulate: paint: odometry at %g s: %w", t, err)
		}
	}
	for i, c := range p.cams {
		tr, err := p.buf.LookupFull(c.Frame, ns(ti), frame, ns(tc), sim.FrameOdom)
		if err != nil {
			return fmt.Errorf("simulate: paint: %s at %g s: %w", CameraName(c), ti, err)
		}
		p.pcs[i] = lidarseg.PaintCamera{Model: p.models[i], FromSensor: tr.ToMatrix(), RGB: p.render(c, ti)}
	}
	n, err := p.painter.Paint(dst, pr, cloud, p.pcs)
	if err != nil {
		return fmt.Errorf("simulate: paint sweep at %g s: %w", tc, err)
	}
	p.painted += n
	for _, m := range pr.Mask {
		p.shown += int(m)
	}
	return nil
}
