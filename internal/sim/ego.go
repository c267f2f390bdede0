package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Frame ids used by the rig.
const (
	FrameMap      = "map"
	FrameOdom     = "odom"
	FrameBaseLink = "base_link"
	FrameLidarTop = "lidar_top"
)

// egoState returns the ego base_link pose and its planar motion at t.
func (w *World) egoState(t float64) (x, y, yaw, v, yawRate float64) {
	if w.egoPath == nil {
		return w.egoSpeed * t, 0, 0, w.egoSpeed, 0
	}
	x, y, yaw, curv := w.egoPath.at(w.egoS0 + w.egoSpeed*t)
	return x, y, yaw, w.egoSpeed, w.egoSpeed * curv
}

// EgoPose returns map←base_link at time t (s). base_link lies on the ground
// (z = 0) below the middle of the rear axle, x forward.
func (w *World) EgoPose(t float64) Pose {
	x, y, yaw, _, _ := w.egoState(t)
	return Pose{Translation: r3.Vec{X: x, Y: y}, Rotation: QuatFromYaw(yaw)}
}

// Odometry is the content of a nav_msgs/Odometry message.
type Odometry struct {
	Stamp  float64 // Stamp is the time, s.
	Pose   Pose    // Pose is odom←base_link.
	Linear r3.Vec  // Linear is the velocity in base_link axes, m/s.
	// Angular is the angular velocity in base_link axes, rad/s.
	Angular r3.Vec
}

// MapToOdom returns the fixed map←odom transform.
func (w *World) MapToOdom() Pose { return w.odom }

// EgoOdometry returns the odometry at t: the pose in the odom frame (the map
// pose offset by the fixed MapToOdom transform) and the base_link twist.
func (w *World) EgoOdometry(t float64) Odometry {
	_, _, _, v, wz := w.egoState(t)
	return Odometry{Stamp: t, Pose: w.odom.Inverse().Mul(w.EgoPose(t)), Linear: r3.Vec{X: v}, Angular: r3.Vec{Z: wz}}
}

// OpticalFromBody is the rotation body←optical of a camera: optical z
// forward (body x), x right (body -y), y down (body -z).
var OpticalFromBody = quatFromMat(mat3{{0, 0, 1}, {-1, 0, 0}, {0, -1, 0}})

// Camera is a mounted camera.
type Camera struct {
	Name  string      // Name is e.g. "CAM_FRONT".
	Frame string      // Frame is the optical frame id, e.g. "cam_front_optical".
	Model CameraModel // Model is the intrinsic model.
	// Extrinsic is base_link←optical frame (translation in metres).
	Extrinsic Pose

	rays []r3.Vec // per-pixel undistorted unit rays in the optical frame
}

// NewCamera returns a camera with the given model mounted at (x, y, z) in
// base_link, looking along yaw (radians, about base_link z) with pitch
// (radians, positive down).
func NewCamera(name, frame string, m CameraModel, pos r3.Vec, yaw, pitch float64) (*Camera, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	// body←optical, then yaw and pitch the body.
	sp, cp := math.Sincos(pitch / 2)
	q := QuatFromYaw(yaw).Mul(Quat{W: cp, Y: sp}).Mul(OpticalFromBody)
	c := &Camera{Name: name, Frame: frame, Model: m, Extrinsic: Pose{Translation: pos, Rotation: q}}
	c.initRays()
	return c, nil
}

func (c *Camera) initRays() {
	m := &c.Model
	c.rays = make([]r3.Vec, m.Width*m.Height)
	for v := 0; v < m.Height; v++ {
		for u := 0; u < m.Width; u++ {
			c.rays[v*m.Width+u] = r3.Unit(m.Unproject(float64(u), float64(v)))
		}
	}
}

// Rig is the ego vehicle's sensor set.
type Rig struct {
	// LidarMount is base_link←lidar_top.
	LidarMount Pose
	// Cameras are the mounted cameras.
	Cameras []*Camera
}

// RigConfig configures DefaultRig.
type RigConfig struct {
	// SixCameras selects the nuScenes-like ring (front, front_left +55°,
	// front_right -55°, back, back_left +110°, back_right -110°); otherwise
	// only the front camera. Default false.
	SixCameras bool
	// EightCameras adds two long-range cameras to the six-camera ring
	// (implies SixCameras): CAM_FRONT_TELE and CAM_BACK_TELE, 30° wide,
	// 10 cm above the front and back cameras — the rig size bevfusion's
	// encoder takes at most.
	EightCameras bool
	// Count, with SixCameras or EightCameras, keeps the first Count cameras
	// of the ring (4: front, front_left, front_right, back); 0 keeps all.
	Count int
	// Width and Height are the image size in pixels. Default 704×256.
	Width, Height int
	// HFOVDeg is the horizontal field of view of the side cameras, degrees.
	// Default 70 (the back camera uses 110 in the six-camera ring).
	HFOVDeg float64
	// Distortion is the plumb_bob (k1, k2, p1, p2, k3) of every camera.
	// Default (-0.05, 0.01, 0.0005, -0.0005, 0).
	Distortion *[5]float64
}

// teleHFOVDeg is the horizontal field of view of the eight-camera rig's
// long-range cameras, degrees: a narrow lens that resolves a car at 60 m.
const teleHFOVDeg = 30

// DefaultRig returns the roof lidar at (0.9, 0, 1.8) m in base_link and the
// cameras described by cfg.
func DefaultRig(cfg RigConfig) (*Rig, error) {
	if cfg.Width == 0 {
		cfg.Width = 704
	}
	if cfg.Height == 0 {
		cfg.Height = 256
	}
	if cfg.HFOVDeg == 0 {
		cfg.HFOVDeg = 70
	}
	d := [5]float64{-0.05, 0.01, 0.0005, -0.0005, 0}
	if cfg.Distortion != nil {
		d = *cfg.Distortion
	}
	if cfg.HFOVDeg <= 0 || cfg.HFOVDeg >= 170 {
		return nil, cfgErr("RigConfig.HFOVDeg", cfg.HFOVDeg, "not in (0, 170)")
	}
	type mount struct {
		name string
		pos  r3.Vec
		yaw  float64
		fov  float64
	}
	ms := []mount{{"CAM_FRONT", r3.Vec{X: 1.7, Z: 1.55}, 0, cfg.HFOVDeg}}
	if cfg.SixCameras || cfg.EightCameras {
		ms = append(ms,
			mount{"CAM_FRONT_LEFT", r3.Vec{X: 1.55, Y: 0.5, Z: 1.55}, 55 * deg, cfg.HFOVDeg},
			mount{"CAM_FRONT_RIGHT", r3.Vec{X: 1.55, Y: -0.5, Z: 1.55}, -55 * deg, cfg.HFOVDeg},
			mount{"CAM_BACK", r3.Vec{X: -0.5, Z: 1.55}, math.Pi, 110},
			mount{"CAM_BACK_LEFT", r3.Vec{X: 1.0, Y: 0.5, Z: 1.55}, 110 * deg, cfg.HFOVDeg},
			mount{"CAM_BACK_RIGHT", r3.Vec{X: 1.0, Y: -0.5, Z: 1.55}, -110 * deg, cfg.HFOVDeg})
	}
	if cfg.EightCameras {
		ms = append(ms,
			mount{"CAM_FRONT_TELE", r3.Vec{X: 1.7, Z: 1.65}, 0, teleHFOVDeg},
			mount{"CAM_BACK_TELE", r3.Vec{X: -0.5, Z: 1.65}, math.Pi, teleHFOVDeg})
	}
	if cfg.Count < 0 || cfg.Count > len(ms) {
		return nil, cfgErr("RigConfig.Count", cfg.Count, "not in 0..%d", len(ms))
	}
	if cfg.Count > 0 {
		ms = ms[:cfg.Count]
	}
	r := &Rig{LidarMount: Pose{Translation: r3.Vec{X: 0.9, Z: 1.8}, Rotation: QuatIdentity}}
	for _, m := range ms {
		cm := NewPinhole(cfg.Width, cfg.Height, m.fov)
		cm.D = d
		frame := lower(m.name) + "_optical"
		c, err := NewCamera(m.name, frame, cm, m.pos, m.yaw, 0)
		if err != nil {
			return nil, err
		}
		r.Cameras = append(r.Cameras, c)
	}
	return r, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
