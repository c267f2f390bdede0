package plausible

import (
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/perception/pose"
	"gonum.org/v1/gonum/spatial/r3"
)

// body returns a standing adult in metres, facing +x, left +y, up +z, with
// the left knee bent by kneeDeg (positive backwards) and the right elbow
// flexed by elbowDeg (forearm forward).
func body(kneeDeg, elbowDeg float64) ([]r3.Vec, []bool) {
	p := make([]r3.Vec, pose.NumKeypoints)
	p[pose.Nose] = r3.Vec{X: 0.1, Y: 0, Z: 1.62}
	p[pose.LeftEye] = r3.Vec{X: 0.08, Y: 0.03, Z: 1.66}
	p[pose.RightEye] = r3.Vec{X: 0.08, Y: -0.03, Z: 1.66}
	p[pose.LeftEar] = r3.Vec{X: 0, Y: 0.08, Z: 1.64}
	p[pose.RightEar] = r3.Vec{X: 0, Y: -0.08, Z: 1.64}
	p[pose.LeftShoulder] = r3.Vec{Y: 0.19, Z: 1.45}
	p[pose.RightShoulder] = r3.Vec{Y: -0.19, Z: 1.45}
	p[pose.LeftElbow] = r3.Vec{Y: 0.2, Z: 1.15}
	p[pose.LeftWrist] = r3.Vec{Y: 0.2, Z: 0.88}
	p[pose.RightElbow] = r3.Vec{Y: -0.2, Z: 1.15}
	e := elbowDeg * math.Pi / 180
	p[pose.RightWrist] = r3.Add(p[pose.RightElbow], r3.Vec{X: 0.27 * math.Sin(e), Z: -0.27 * math.Cos(e)})
	p[pose.LeftHip] = r3.Vec{Y: 0.1, Z: 0.95}
	p[pose.RightHip] = r3.Vec{Y: -0.1, Z: 0.95}
	p[pose.LeftKnee] = r3.Vec{Y: 0.1, Z: 0.5}
	k := kneeDeg * math.Pi / 180
	p[pose.LeftAnkle] = r3.Add(p[pose.LeftKnee], r3.Vec{X: -0.43 * math.Sin(k), Z: -0.43 * math.Cos(k)})
	p[pose.RightKnee] = r3.Vec{Y: -0.1, Z: 0.5}
	p[pose.RightAnkle] = r3.Vec{Y: -0.1, Z: 0.07}
	v := make([]bool, pose.NumKeypoints)
	for i := range v {
		v[i] = true
	}
	return p, v
}

// toCamera places the body 3 m in front of an optical-frame camera (z
// forward, x right, y down), facing the camera.
func toCamera(p []r3.Vec) []r3.Vec {
	out := make([]r3.Vec, len(p))
	for i, q := range p {
		// body +x (forward) → camera −z; body +y (left) → camera +x (the
		// person's left is the camera's right when facing it); body +z → −y.
		out[i] = r3.Vec{X: q.Y, Y: -(q.Z - 1), Z: 3 - q.X}
	}
	return out
}

func TestCheck3D(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		knee, elbow float64
		edit        func(p []r3.Vec, v []bool)
		want        Flag
	}{
		{"standing", 0, 0, nil, 0},
		{"knee bent 90° back, elbow 100°", 90, 100, nil, 0},
		{"knee hyperextended 40°", -40, 0, nil, KneeHyperextension},
		{"elbow folded 175°", 0, 175, nil, ElbowAngle},
		{"long forearm", 0, 0, func(p []r3.Vec, _ []bool) {
			p[pose.LeftWrist] = r3.Vec{Y: 0.2, Z: 0.5}
		}, ArmRatio | ArmSymmetry | BoneLength},
		{"long left leg", 0, 0, func(p []r3.Vec, _ []bool) {
			p[pose.LeftKnee].Z, p[pose.LeftAnkle].Z = 0.2, -0.5
		}, LegSymmetry | BoneLength},
		{"missing arms skip arm checks", 0, 175, func(_ []r3.Vec, v []bool) {
			v[pose.LeftElbow], v[pose.RightElbow] = false, false
		}, 0},
	}
	for _, tc := range tests {
		p, v := body(tc.knee, tc.elbow)
		if tc.edit != nil {
			tc.edit(p, v)
		}
		for _, frame := range []string{"body", "camera"} {
			q := p
			if frame == "camera" {
				q = toCamera(p)
			}
			r := c.Check3D(q, v)
			if r.Flags != tc.want {
				t.Errorf("%s (%s frame): flags %v, want %v (score %.2f)", tc.name, frame, r.Flags, tc.want, r.Score)
			}
			if (r.Score == 1) != (tc.want == 0) || r.Checks == 0 {
				t.Errorf("%s (%s frame): score %v over %d checks", tc.name, frame, r.Score, r.Checks)
			}
		}
	}
}

func TestFlexionAgainstLawOfCosines(t *testing.T) {
	a, b := r3.Vec{X: 0.1, Y: 0.2, Z: 1}, r3.Vec{X: 0.3, Y: -0.1, Z: 0.6}
	for _, c := range []r3.Vec{{X: 0.5, Y: 0.1, Z: 0.2}, {X: 0.2, Y: -0.3, Z: 0.1}, {X: 0.31, Y: -0.12, Z: 0.2}} {
		ab, bc, ac := r3.Norm(r3.Sub(b, a)), r3.Norm(r3.Sub(c, b)), r3.Norm(r3.Sub(c, a))
		interior := math.Acos((ab*ab+bc*bc-ac*ac)/(2*ab*bc)) * 180 / math.Pi
		if got := flexion(a, b, c); math.Abs(got-(180-interior)) > 1e-9 {
			t.Errorf("flexion %v, law of cosines %v", got, 180-interior)
		}
	}
}

func project(p []r3.Vec) []pose.Keypoint {
	k := make([]pose.Keypoint, len(p))
	for i, q := range p {
		k[i] = pose.Keypoint{X: float32(500*q.X/q.Z + 320), Y: float32(500*q.Y/q.Z + 240), Score: 0.9, Visibility: pose.Visible}
	}
	return k
}

func TestCheck2DAndFilter(t *testing.T) {
	c, _ := New(Config{MinPlausibility: 0.9})
	p, _ := body(30, 60)
	good := project(toCamera(p))
	if r := c.Check2D(good); r.Flags != 0 || r.Score != 1 || r.Checks != 6 {
		t.Errorf("good 2D: %+v", r)
	}
	bad := append([]pose.Keypoint(nil), good...)
	bad[pose.RightWrist].Y += 400 // forearm 4× the upper arm
	r := c.Check2D(bad)
	if r.Flags != ArmRatio|ArmSymmetry || r.Score >= 0.9 {
		t.Errorf("bad 2D: %+v (%v)", r, r.Flags)
	}
	low := append([]pose.Keypoint(nil), bad...)
	low[pose.RightWrist].Score = 0.1
	if r := c.Check2D(low); r.Flags != 0 || r.Checks != 4 {
		t.Errorf("low-score wrist should be skipped: %+v", r)
	}
	people := []pose.Person{{Keypoints: bad, Score: 0.1}, {Keypoints: good, Score: 0.2}}
	results := []Result{c.Check2D(bad), c.Check2D(good)}
	kept, kr := c.Filter(people, results)
	if len(kept) != 1 || kept[0].Score != 0.2 || kr[0].Score != 1 {
		t.Errorf("Filter kept %d: %+v", len(kept), kr)
	}
	if got := (ArmRatio | KneeAngle).String(); got != "arm_ratio|knee_angle" {
		t.Errorf("String = %q", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		param  string
		value  any
		reason string
	}{
		{Config{Thigh: Range{0.5, 0.2}}, "plausible.Config.Thigh", Range{0.5, 0.2}, "want 0 < Min ≤ Max < +Inf"},
		{Config{MaxKneeFlexionDeg: 200}, "plausible.Config.MaxKneeFlexionDeg", 200.0, "want (0, 180] degrees"},
		{Config{MinPlausibility: 2}, "plausible.Config.MinPlausibility", 2.0, "want 0..1"},
	} {
		_, err := New(tc.cfg)
		var ce *configerr.Error
		if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
			ce.Param != tc.param || ce.Value != tc.value || ce.Reason != tc.reason {
			t.Errorf("%+v: got %v, want %s = %v: %s", tc.cfg, err, tc.param, tc.value, tc.reason)
		}
	}
}

func BenchmarkCheck3D(b *testing.B) {
	c, _ := New(Config{})
	p, v := body(30, 60)
	q := toCamera(p)
	b.ReportAllocs()
	for b.Loop() {
		c.Check3D(q, v)
	}
}
