package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"gonum.org/v1/gonum/spatial/r3"
)

var testWall = Material{Albedo: [3]float64{0.6, 0.6, 0.6}, Reflectivity: 0.6}

// wallWorld is an empty world with a wall whose front face is the plane
// x = wallX, with the ego driving along +x at speed.
func wallWorld(t *testing.T, wallX, speed float64) *World {
	t.Helper()
	w, err := NewWorld(WorldConfig{Seed: 7, Empty: true, EgoSpeed: speed, ExtraBoxes: []BoxSpec{{
		Center: r3.Vec{X: wallX + 0.5, Z: 10}, Size: r3.Vec{X: 1, Y: 200, Z: 20}, Class: ClassBuilding, Material: testWall,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// hdl64Elevations is the HDL-64E beam table written out independently.
func hdl64Elevations() []float64 {
	var e []float64
	for i := 0; i < 32; i++ {
		e = append(e, 2-float64(i)/3)
	}
	step := (24.9 - 8.83) / 31
	for i := 0; i < 32; i++ {
		e = append(e, -8.83-step*float64(i))
	}
	return e
}

func TestLidarWallRange(t *testing.T) {
	const wallX, sigma = 20.0, 0.02
	w := wallWorld(t, wallX, 0)
	l, err := NewLidar(LidarConfig{Organized: true, Columns: 512, DetectionScale: -1, RangeSigma: sigma})
	if err != nil {
		t.Fatal(err)
	}
	mount := Pose{Translation: r3.Vec{X: 0.9, Z: 1.8}, Rotation: QuatIdentity}
	sw := w.LidarSweep(l, mount, 0)
	elev := hdl64Elevations()
	var n int
	var sum, sum2 float64
	for r := 0; r < sw.Height; r++ {
		for c := 0; c < sw.Width; c++ {
			i := r*sw.Width + c
			p := sw.Points[i]
			if sw.Labels[i] != ClassBuilding {
				continue
			}
			az := math.Pi - 2*math.Pi*(float64(c)+0.5)/float64(sw.Width)
			want := (wallX - 0.9) / (math.Cos(elev[r]*deg) * math.Cos(az))
			got := math.Sqrt(float64(p.X)*float64(p.X) + float64(p.Y)*float64(p.Y) + float64(p.Z)*float64(p.Z))
			if math.Abs(got-want) > 4*sigma {
				t.Fatalf("ring %d col %d: range %.4f m, want %.4f ± %.2f", r, c, got, want, 4*sigma)
			}
			// The direction is the beam's.
			if e := math.Asin(float64(p.Z)/got) / deg; math.Abs(e-elev[r]) > 1e-3 {
				t.Fatalf("ring %d: elevation %.4f°, want %.4f°", r, e, elev[r])
			}
			n++
			sum += got - want
			sum2 += (got - want) * (got - want)
		}
	}
	if n < 1000 {
		t.Fatalf("only %d wall returns", n)
	}
	mean := sum / float64(n)
	std := math.Sqrt(sum2/float64(n) - mean*mean)
	if math.Abs(mean) > 0.005 || math.Abs(std-sigma) > 0.004 {
		t.Errorf("noise mean %.4f std %.4f over %d returns, want 0 and %.3f", mean, std, n, sigma)
	}
}

func TestLidarPointsAtFiringTime(t *testing.T) {
	// Driving at 10 m/s towards the wall: each point is in the lidar frame at
	// its own firing time, so its x shrinks with Time.
	const wallX, v = 30.0, 10.0
	w := wallWorld(t, wallX, v)
	l, err := NewLidar(LidarConfig{Columns: 1024, DetectionScale: -1, RangeSigma: -1})
	if err != nil {
		t.Fatal(err)
	}
	mount := Pose{Translation: r3.Vec{X: 0.9, Z: 1.8}, Rotation: QuatIdentity}
	const stamp = 0.5
	sw := w.LidarSweep(l, mount, stamp)
	n := 0
	for i, p := range sw.Points {
		if sw.Labels[i] != ClassBuilding {
			continue
		}
		want := wallX - 0.9 - v*(stamp+float64(p.Time))
		if math.Abs(float64(p.X)-want) > 1e-3 {
			t.Fatalf("point %d at time %.5f: x %.4f, want %.4f", i, p.Time, p.X, want)
		}
		n++
	}
	if n < 500 {
		t.Fatalf("only %d wall returns", n)
	}
}

func TestSweepTimesMonotonic(t *testing.T) {
	w, err := NewWorld(WorldConfig{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, preset := range []LidarPreset{PresetHDL64E, PresetOS1128, PresetHDL32E} {
		l, err := NewLidar(LidarConfig{Preset: preset, Columns: 256})
		if err != nil {
			t.Fatal(err)
		}
		rig, _ := DefaultRig(RigConfig{})
		sw := w.LidarSweep(l, rig.LidarMount, 2)
		if len(sw.Points) < 1000 || len(sw.Labels) != len(sw.Points) || len(sw.Instances) != len(sw.Points) {
			t.Fatalf("preset %d: %d points, %d labels, %d instances", preset, len(sw.Points), len(sw.Labels), len(sw.Instances))
		}
		prevT, prevRing := float32(-1), -1
		for i, p := range sw.Points {
			if p.Time < prevT {
				t.Fatalf("preset %d point %d: time %g after %g", preset, i, p.Time, prevT)
			}
			if p.Time == prevT && int(p.Ring) <= prevRing {
				t.Fatalf("preset %d point %d: ring %d after %d in one column", preset, i, p.Ring, prevRing)
			}
			if p.Time > prevT {
				prevRing = -1
			}
			if p.Time < 0 || float64(p.Time) >= l.Period() {
				t.Fatalf("time %g outside the sweep", p.Time)
			}
			prevT, prevRing = p.Time, int(p.Ring)
			if int(p.Ring) >= l.Rings() || p.Intensity < 0 || p.Intensity > 255 {
				t.Fatalf("bad point %+v", p)
			}
		}
		if sw.Points[len(sw.Points)-1].Time <= sw.Points[0].Time {
			t.Fatal("times do not rise across the sweep")
		}
	}
}

// projectRef is the pinhole + plumb_bob formula written out independently.
func projectRef(fx, fy, cx, cy float64, d [5]float64, p r3.Vec) (float64, float64) {
	x, y := p.X/p.Z, p.Y/p.Z
	r2 := x*x + y*y
	r4, r6 := r2*r2, r2*r2*r2
	radial := 1 + d[0]*r2 + d[1]*r4 + d[4]*r6
	xd := x*radial + 2*d[2]*x*y + d[3]*(r2+2*x*x)
	yd := y*radial + d[2]*(r2+2*y*y) + 2*d[3]*x*y
	return fx*xd + cx, fy*yd + cy
}

func TestCameraProjectUnproject(t *testing.T) {
	cases := []struct {
		name string
		m    CameraModel
	}{
		{"ideal", CameraModel{Width: 640, Height: 480, Fx: 500, Fy: 500, Cx: 319.5, Cy: 239.5}},
		{"barrel", CameraModel{Width: 704, Height: 256, Fx: 600, Fy: 610, Cx: 352, Cy: 130, D: [5]float64{-0.28, 0.07, 0.001, -0.0005, -0.01}}},
		{"pincushion", CameraModel{Width: 1600, Height: 900, Fx: 1266, Fy: 1266, Cx: 816, Cy: 491, D: [5]float64{0.1, -0.02, -0.002, 0.001, 0.003}}},
	}
	pts := []r3.Vec{{X: 0, Y: 0, Z: 5}, {X: 1.2, Y: -0.4, Z: 7}, {X: -3, Y: 1.1, Z: 9.5}, {X: 0.3, Y: 0.2, Z: 0.8}}
	for _, tc := range cases {
		for _, p := range pts {
			u, v, ok := tc.m.Project(p)
			wu, wv := projectRef(tc.m.Fx, tc.m.Fy, tc.m.Cx, tc.m.Cy, tc.m.D, p)
			if !ok || math.Abs(u-wu) > 1e-9 || math.Abs(v-wv) > 1e-9 {
				t.Errorf("%s: Project(%v) = %.9f, %.9f, %v; want %.9f, %.9f", tc.name, p, u, v, ok, wu, wv)
			}
		}
		if _, _, ok := tc.m.Project(r3.Vec{X: 1, Z: -1}); ok {
			t.Errorf("%s: a point behind the camera projects", tc.name)
		}
		for v := 0.0; v < float64(tc.m.Height); v += float64(tc.m.Height) / 7 {
			for u := 0.0; u < float64(tc.m.Width); u += float64(tc.m.Width) / 9 {
				ray := tc.m.Unproject(u, v)
				for _, depth := range []float64{1, 13} {
					gu, gv, ok := tc.m.Project(r3.Scale(depth, ray))
					if !ok || math.Hypot(gu-u, gv-v) > 1e-6 {
						t.Errorf("%s: Project(Unproject(%.1f, %.1f)) = %.9f, %.9f", tc.name, u, v, gu, gv)
					}
				}
			}
		}
	}
}

func TestOpticalFrameConvention(t *testing.T) {
	rig, err := DefaultRig(RigConfig{SixCameras: true})
	if err != nil {
		t.Fatal(err)
	}
	front := rig.Cameras[0]
	m := &front.Model
	toCam := front.Extrinsic.Inverse()
	pos := front.Extrinsic.Translation
	ahead := toCam.Apply(r3.Vec{X: 60, Y: pos.Y, Z: pos.Z})
	u, v, ok := m.Project(ahead)
	if !ok || math.Hypot(u-m.Cx, v-m.Cy) > 0.5 {
		t.Fatalf("point ahead projects to %.2f, %.2f (ok %v), want the principal point %.2f, %.2f", u, v, ok, m.Cx, m.Cy)
	}
	if math.Abs(ahead.Z-(60-pos.X)) > 1e-9 || math.Abs(ahead.X) > 1e-9 || math.Abs(ahead.Y) > 1e-9 {
		t.Fatalf("ahead in optical frame = %v, want z forward", ahead)
	}
	left := toCam.Apply(r3.Vec{X: 60, Y: pos.Y + 5, Z: pos.Z + 3})
	if left.X >= 0 || left.Y >= 0 {
		t.Fatalf("a point up and to the left is at %v in the optical frame, want x<0 (x right) and y<0 (y down)", left)
	}
	// Each ring camera looks along its nominal yaw.
	yaws := map[string]float64{"CAM_FRONT": 0, "CAM_FRONT_LEFT": 55, "CAM_FRONT_RIGHT": -55, "CAM_BACK": 180, "CAM_BACK_LEFT": 110, "CAM_BACK_RIGHT": -110}
	for _, c := range rig.Cameras {
		z := c.Extrinsic.Rotation.Rotate(r3.Vec{Z: 1})
		want := yaws[c.Name] * deg
		if math.Abs(z.X-math.Cos(want)) > 1e-9 || math.Abs(z.Y-math.Sin(want)) > 1e-9 || math.Abs(z.Z) > 1e-9 {
			t.Errorf("%s: optical z in base_link = %v, want yaw %g°", c.Name, z, yaws[c.Name])
		}
	}
}

// The eight-camera rig is the six-camera ring, camera for camera, and two
// narrow long-range cameras looking ahead and behind.
func TestEightCameraRig(t *testing.T) {
	six, err := DefaultRig(RigConfig{SixCameras: true})
	if err != nil {
		t.Fatal(err)
	}
	eight, err := DefaultRig(RigConfig{EightCameras: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(six.Cameras) != 6 || len(eight.Cameras) != 8 {
		t.Fatalf("%d and %d cameras, want 6 and 8", len(six.Cameras), len(eight.Cameras))
	}
	for i, c := range six.Cameras {
		e := eight.Cameras[i]
		if e.Name != c.Name || e.Frame != c.Frame || e.Extrinsic != c.Extrinsic || e.Model != c.Model {
			t.Errorf("camera %d: eight-camera rig has %s %+v, the ring %s %+v", i, e.Name, e.Extrinsic, c.Name, c.Extrinsic)
		}
	}
	tele := map[string]float64{"CAM_FRONT_TELE": 0, "CAM_BACK_TELE": 180}
	for _, c := range eight.Cameras[6:] {
		yaw, ok := tele[c.Name]
		if !ok {
			t.Fatalf("camera %s, want CAM_FRONT_TELE and CAM_BACK_TELE", c.Name)
		}
		if c.Frame != lower(c.Name)+"_optical" {
			t.Errorf("%s: frame %q", c.Name, c.Frame)
		}
		z := c.Extrinsic.Rotation.Rotate(r3.Vec{Z: 1})
		if math.Abs(z.X-math.Cos(yaw*deg)) > 1e-9 || math.Abs(z.Y-math.Sin(yaw*deg)) > 1e-9 || math.Abs(z.Z) > 1e-9 {
			t.Errorf("%s: optical z in base_link = %v, want yaw %g°", c.Name, z, yaw)
		}
		// 30° wide: the image's edge column is 15° off the axis.
		if got := 2 * math.Atan(float64(c.Model.Width)/2/c.Model.Fx) / deg; math.Abs(got-30) > 1e-9 {
			t.Errorf("%s: horizontal field of view %.6f°, want 30°", c.Name, got)
		}
	}
	if r, err := DefaultRig(RigConfig{EightCameras: true, Count: 8}); err != nil || len(r.Cameras) != 8 {
		t.Errorf("Count 8: %v", err)
	}
	if _, err := DefaultRig(RigConfig{EightCameras: true, Count: 9}); err == nil {
		t.Error("Count 9 of eight cameras: no error")
	}
}

// personWorld is an empty world with the ego at rest and pedestrians.
func personWorld(t *testing.T, peds []PedestrianSpec, boxes []BoxSpec) *World {
	t.Helper()
	w, err := NewWorld(WorldConfig{Seed: 11, Empty: true, ExtraPedestrians: peds, ExtraBoxes: boxes})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestRenderedLimbsMatchKeypoints(t *testing.T) {
	limbs := [][2]int{
		{KpLeftShoulder, KpLeftElbow}, {KpRightShoulder, KpRightElbow},
		{KpLeftElbow, KpLeftWrist}, {KpRightElbow, KpRightWrist},
		{KpLeftHip, KpLeftKnee}, {KpRightHip, KpRightKnee},
		{KpLeftKnee, KpLeftAnkle}, {KpRightKnee, KpRightAnkle},
	}
	rig, _ := DefaultRig(RigConfig{Width: 320, Height: 240, HFOVDeg: 60})
	cam := rig.Cameras[0]
	for _, act := range []Activity{ActivityStanding, ActivityWalking, ActivityRunning, ActivitySitting, ActivityWaving} {
		for _, yaw := range []float64{math.Pi, math.Pi / 2, 2.5} {
			w := personWorld(t, []PedestrianSpec{{Position: r3.Vec{X: 9, Y: 0.3}, Yaw: yaw, Activity: act, Speed: 0.2}}, nil)
			const tm = 0.37
			f := w.Render(cam, tm, RenderOptions{Labels: true, NoShadows: true})
			gt := w.PersonsGT(cam, tm, 0)
			if len(gt) != 1 {
				t.Fatalf("%v: %d persons in view, want 1", act, len(gt))
			}
			g := gt[0]
			checked := 0
			for _, lb := range limbs {
				a, b := g.Keypoints[lb[0]], g.Keypoints[lb[1]]
				if a.Visibility != VisVisible || b.Visibility != VisVisible {
					continue
				}
				mid := r3.Scale(0.5, r3.Add(g.KeypointsCam[lb[0]], g.KeypointsCam[lb[1]]))
				u, v, _ := cam.Model.Project(mid)
				iu, iv := int(math.Round(u)), int(math.Round(v))
				if got := f.Labels[iv*f.Width+iu]; got != ClassPerson {
					t.Errorf("%v yaw %.2f: limb %s-%s midpoint (%d, %d) has label %d, want person", act, yaw,
						KeypointNames[lb[0]], KeypointNames[lb[1]], iu, iv, got)
				}
				checked++
			}
			if checked < 3 {
				t.Errorf("%v yaw %.2f: only %d visible limbs", act, yaw, checked)
			}
			// The box holds every labelled keypoint and the person's pixels.
			for k, kp := range g.Keypoints {
				if kp.Visibility > 0 && (kp.U < g.Box[0] || kp.U > g.Box[2] || kp.V < g.Box[1] || kp.V > g.Box[3]) {
					t.Errorf("%v: keypoint %s at %.1f, %.1f outside box %v", act, KeypointNames[k], kp.U, kp.V, g.Box)
				}
			}
			for i, lab := range f.Labels {
				if lab != ClassPerson {
					continue
				}
				u, v := float64(i%f.Width), float64(i/f.Width)
				if u < g.Box[0]-1 || u > g.Box[2]+1 || v < g.Box[1]-1 || v > g.Box[3]+1 {
					t.Fatalf("%v: person pixel %v,%v outside box %v", act, u, v, g.Box)
				}
			}
		}
	}
}

func TestKeypointOcclusion(t *testing.T) {
	// A 1 m high wall between the camera and a person hides the legs only.
	w := personWorld(t, []PedestrianSpec{{Position: r3.Vec{X: 12}, Yaw: math.Pi}},
		[]BoxSpec{{Center: r3.Vec{X: 8, Z: 0.5}, Size: r3.Vec{X: 0.2, Y: 4, Z: 1}, Class: ClassFence}})
	rig, _ := DefaultRig(RigConfig{})
	gt := w.PersonsGT(rig.Cameras[0], 0, 0)
	if len(gt) != 1 {
		t.Fatalf("%d persons, want 1", len(gt))
	}
	want := map[int]uint8{KpNose: VisVisible, KpLeftEye: VisVisible, KpLeftShoulder: VisVisible, KpRightShoulder: VisVisible,
		KpLeftKnee: VisOccluded, KpRightKnee: VisOccluded, KpLeftAnkle: VisOccluded, KpRightAnkle: VisOccluded}
	for k, v := range want {
		if got := gt[0].Keypoints[k].Visibility; got != v {
			t.Errorf("%s: visibility %d, want %d", KeypointNames[k], got, v)
		}
	}
	// Seen from behind, the face is hidden by the head.
	w = personWorld(t, []PedestrianSpec{{Position: r3.Vec{X: 12}, Yaw: 0}}, nil)
	g := w.PersonsGT(rig.Cameras[0], 0, 0)[0]
	if g.Keypoints[KpNose].Visibility != VisOccluded || g.Keypoints[KpLeftShoulder].Visibility != VisVisible {
		t.Errorf("from behind: nose %d shoulder %d, want 1 and 2", g.Keypoints[KpNose].Visibility, g.Keypoints[KpLeftShoulder].Visibility)
	}
	// Outside the image: not labelled, and no person reported.
	w = personWorld(t, []PedestrianSpec{{Position: r3.Vec{X: -12}, Yaw: 0}}, nil)
	if g := w.PersonsGT(rig.Cameras[0], 0, 0); len(g) != 0 {
		t.Errorf("a person behind the camera is reported: %+v", g)
	}
}

func TestBoxesAndBEV(t *testing.T) {
	w := personWorld(t, []PedestrianSpec{{Position: r3.Vec{X: 10, Y: 2}, Yaw: 0.5, Speed: 1.5, Activity: ActivityWalking}},
		[]BoxSpec{{Center: r3.Vec{X: -5, Y: 8, Z: 1}, Size: r3.Vec{X: 4, Y: 2, Z: 2}, Class: ClassBuilding}})
	bs := w.Boxes3D(2, 0)
	if len(bs) != 1 {
		t.Fatalf("%d boxes, want 1", len(bs))
	}
	b := bs[0]
	wantC := r3.Vec{X: 10 + 3*math.Cos(0.5), Y: 2 + 3*math.Sin(0.5), Z: 1.75 / 2}
	if r3.Norm(r3.Sub(b.Center, wantC)) > 1e-9 || math.Abs(b.Yaw-0.5) > 1e-9 || b.Class != ClassPerson || !b.Moving ||
		math.Abs(b.Velocity.X-1.5*math.Cos(0.5)) > 1e-9 {
		t.Errorf("box %+v, want centre %v yaw 0.5", b, wantC)
	}
	g, err := w.BEV(2, BEVConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Size != 256 {
		t.Fatalf("grid size %d, want 256", g.Size)
	}
	at := func(x, y float64) int {
		r, c, ok := g.Cell(x, y)
		if !ok {
			t.Fatalf("(%g, %g) outside the grid", x, y)
		}
		return r*g.Size + c
	}
	if i := at(-5, 8); g.Occupied[i] != 1 || g.Class[i] != ClassBuilding {
		t.Errorf("box cell: occupied %d class %d", g.Occupied[i], g.Class[i])
	}
	if i := at(wantC.X, wantC.Y); g.Occupied[i] != 1 || g.Class[i] != ClassPerson {
		t.Errorf("person cell: occupied %d class %d", g.Occupied[i], g.Class[i])
	}
	if i := at(20, -20); g.Occupied[i] != 0 || g.Class[i] != ClassRoad {
		t.Errorf("free cell: occupied %d class %d", g.Occupied[i], g.Class[i])
	}
	occ := 0
	for _, o := range g.Occupied {
		occ += int(o)
	}
	// The 4×2 m box covers 50 cells; the person a handful.
	if occ < 50 || occ > 70 {
		t.Errorf("%d occupied cells, want about 55", occ)
	}
}

func TestEgoMotion(t *testing.T) {
	w, err := NewWorld(WorldConfig{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	const dt = 0.01
	for _, tm := range []float64{0, 3.3, 17, 40.2, 65} {
		a, b := w.EgoPose(tm), w.EgoPose(tm+dt)
		if v := r3.Norm(r3.Sub(b.Translation, a.Translation)) / dt; math.Abs(v-9) > 0.01 {
			t.Errorf("t=%g: speed %g, want 9", tm, v)
		}
		// Heading along the motion.
		d := r3.Sub(b.Translation, a.Translation)
		if h := math.Atan2(d.Y, d.X); math.Abs(wrapAngle(h-a.Rotation.Yaw())) > 0.01 {
			t.Errorf("t=%g: motion heading %g, yaw %g", tm, h, a.Rotation.Yaw())
		}
		// The ego drives on the road.
		if c, _ := w.lay.groundAt(a.Translation.X, a.Translation.Y); c != ClassRoad {
			t.Errorf("t=%g: ego on class %d", tm, c)
		}
		od := w.EgoOdometry(tm)
		back := w.MapToOdom().Mul(od.Pose)
		if r3.Norm(r3.Sub(back.Translation, a.Translation)) > 1e-9 || math.Abs(od.Linear.X-9) > 1e-12 {
			t.Errorf("t=%g: odometry %+v inconsistent with map pose %+v", tm, od, a)
		}
	}
}

func hashSweep(h interface{ Write([]byte) (int, error) }, sw Sweep) {
	var b [4]byte
	for i, p := range sw.Points {
		for _, f := range [...]float32{p.X, p.Y, p.Z, p.Intensity, p.Time} {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(f))
			h.Write(b[:])
		}
		binary.LittleEndian.PutUint32(b[:], uint32(p.Ring)<<16|uint32(sw.Labels[i]))
		h.Write(b[:])
		binary.LittleEndian.PutUint32(b[:], sw.Instances[i])
		h.Write(b[:])
	}
}

func worldDigest(t *testing.T, seed int64) [32]byte {
	t.Helper()
	w, err := NewWorld(WorldConfig{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	rig, _ := DefaultRig(RigConfig{Width: 160, Height: 64})
	l, _ := NewLidar(LidarConfig{Columns: 256})
	h := sha256.New()
	hashSweep(h, w.LidarSweep(l, rig.LidarMount, 1.5))
	f := w.Render(rig.Cameras[0], 1.5, RenderOptions{Depth: true, Labels: true})
	h.Write(f.RGB)
	for _, d := range f.Depth {
		h.Write([]byte{byte(d), byte(d >> 8)})
	}
	for _, b := range w.Boxes3D(1.5, 0) {
		binary.Write(h, binary.LittleEndian, b)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

func TestDeterminism(t *testing.T) {
	a, b, c := worldDigest(t, 42), worldDigest(t, 42), worldDigest(t, 43)
	if a != b {
		t.Error("equal seeds give different outputs")
	}
	if a == c {
		t.Error("different seeds give equal outputs")
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		param  string
		value  any
		reason string
	}{
		{"blocks", func() error { _, e := NewWorld(WorldConfig{BlocksX: 2}); return e }(), "sim.WorldConfig.BlocksX", 2, "not in [3, 64]"},
		{"road", func() error { _, e := NewWorld(WorldConfig{RoadWidth: 8}); return e }(), "sim.WorldConfig.RoadWidth", 8.0, "below 15 m"},
		{"ped", func() error {
			_, e := NewWorld(WorldConfig{Empty: true, ExtraPedestrians: []PedestrianSpec{{Height: 3}}})
			return e
		}(), "sim.WorldConfig.ExtraPedestrians[0].Height", 3.0, "not in (0, 2.5] m"},
		{"columns", func() error { _, e := NewLidar(LidarConfig{Columns: 3}); return e }(), "sim.LidarConfig.Columns", 3, "not in [8, 16384]"},
		{"range", func() error { _, e := NewLidar(LidarConfig{MinRange: 200}); return e }(), "sim.LidarConfig.MaxRange", 120.0, "need 0 < MinRange (200) < MaxRange"},
		{"camera", func() error {
			_, e := NewCamera("c", "c", CameraModel{Width: 10, Height: 10, Fx: 5}, r3.Vec{}, 0, 0)
			return e
		}(), "sim.CameraModel.Fy", 0.0, "focal lengths must be positive"},
	}
	for _, tc := range cases {
		var ce *configerr.Error
		if !errors.Is(tc.err, configerr.ErrInvalid) || !errors.As(tc.err, &ce) ||
			ce.Param != tc.param || ce.Value != tc.value || ce.Reason != tc.reason {
			t.Errorf("%s: error %v, want %s = %v: %s", tc.name, tc.err, tc.param, tc.value, tc.reason)
		}
	}
}
