package plausible

import (
	"math"
	"strings"

	"github.com/gopercept/gopercept/perception/pose"
	"gonum.org/v1/gonum/spatial/r3"
)

// Flag is a bit set naming failed checks.
type Flag uint32

// Flags, one per check.
const (
	// ArmRatio: upper arm / forearm length outside its range (either side).
	ArmRatio Flag = 1 << iota
	// LegRatio: thigh / shin length outside its range (either side).
	LegRatio
	// ArmSymmetry: left and right arm lengths differ beyond tolerance.
	ArmSymmetry
	// LegSymmetry: left and right leg lengths differ beyond tolerance.
	LegSymmetry
	// BoneLength: a 3D bone is shorter or longer than a human's.
	BoneLength
	// ElbowAngle: an elbow folded beyond its flexion limit (3D).
	ElbowAngle
	// KneeAngle: a knee folded beyond its flexion limit (3D).
	KneeAngle
	// KneeHyperextension: a knee bent forward beyond its limit (3D).
	KneeHyperextension
)

var flagNames = []string{"arm_ratio", "leg_ratio", "arm_symmetry", "leg_symmetry", "bone_length", "elbow_angle", "knee_angle", "knee_hyperextension"}

// String returns the failed checks' names joined by "|", or "ok".
func (f Flag) String() string {
	if f == 0 {
		return "ok"
	}
	var parts []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "|")
}

// Range is a closed interval [Min, Max].
type Range struct{ Min, Max float64 }

// score is 1 inside r and falls linearly to 0 at a distance of the range's
// own bound outside it (relative violation of 100%).
func (r Range) score(v float64) float64 {
	switch {
	case v < r.Min:
		return math.Max(0, 1-(r.Min-v)/r.Min)
	case v > r.Max:
		return math.Max(0, 1-(v-r.Max)/r.Max)
	}
	return 1
}

// Config sets the ranges. Zero fields take the documented defaults.
type Config struct {
	// MinScore is the keypoint score below which a keypoint is not used
	// (default 0.3).
	MinScore float32
	// ArmRatio2D and LegRatio2D bound upper arm / forearm and thigh / shin
	// in the image (defaults [0.4, 2.5]).
	ArmRatio2D, LegRatio2D Range
	// Symmetry2D bounds left / right limb length in the image (default
	// [0.4, 2.5]).
	Symmetry2D Range
	// ArmRatio3D and LegRatio3D bound the same ratios in 3D (defaults
	// [0.7, 1.5] and [0.7, 1.45]).
	ArmRatio3D, LegRatio3D Range
	// Symmetry3D bounds left / right limb length in 3D (default [0.75, 1.33]).
	Symmetry3D Range
	// UpperArm, Forearm, Thigh, Shin and ShoulderWidth bound 3D bone
	// lengths in metres (defaults [0.18, 0.45], [0.15, 0.40], [0.25, 0.65],
	// [0.25, 0.60], [0.20, 0.60]; children and tall adults fit).
	UpperArm, Forearm, Thigh, Shin, ShoulderWidth Range
	// MaxElbowFlexionDeg and MaxKneeFlexionDeg are the largest flexion
	// angles in degrees, 0 being a straight limb (defaults 160 and 165).
	MaxElbowFlexionDeg, MaxKneeFlexionDeg float64
	// MaxKneeHyperextensionDeg is the largest forward bend of the knee in
	// degrees (default 20).
	MaxKneeHyperextensionDeg float64
	// MinPlausibility is the score below which Filter removes a person
	// (default 0.5).
	MinPlausibility float64
}

func def(r *Range, lo, hi float64) {
	if *r == (Range{}) {
		*r = Range{lo, hi}
	}
}

func defF(v *float64, d float64) {
	if *v == 0 {
		*v = d
	}
}

func (c *Config) defaults() error {
	if c.MinScore == 0 {
		c.MinScore = 0.3
	}
	def(&c.ArmRatio2D, 0.4, 2.5)
	def(&c.LegRatio2D, 0.4, 2.5)
	def(&c.Symmetry2D, 0.4, 2.5)
	def(&c.ArmRatio3D, 0.7, 1.5)
	def(&c.LegRatio3D, 0.7, 1.45)
	def(&c.Symmetry3D, 0.75, 1.33)
	def(&c.UpperArm, 0.18, 0.45)
	def(&c.Forearm, 0.15, 0.40)
	def(&c.Thigh, 0.25, 0.65)
	def(&c.Shin, 0.25, 0.60)
	def(&c.ShoulderWidth, 0.20, 0.60)
	defF(&c.MaxElbowFlexionDeg, 160)
	defF(&c.MaxKneeFlexionDeg, 165)
	defF(&c.MaxKneeHyperextensionDeg, 20)
	defF(&c.MinPlausibility, 0.5)
	ranges := []struct {
		name string
		r    Range
	}{
		{"ArmRatio2D", c.ArmRatio2D}, {"LegRatio2D", c.LegRatio2D}, {"Symmetry2D", c.Symmetry2D},
		{"ArmRatio3D", c.ArmRatio3D}, {"LegRatio3D", c.LegRatio3D}, {"Symmetry3D", c.Symmetry3D},
		{"UpperArm", c.UpperArm}, {"Forearm", c.Forearm}, {"Thigh", c.Thigh}, {"Shin", c.Shin},
		{"ShoulderWidth", c.ShoulderWidth},
	}
	for _, r := range ranges {
		if !(r.r.Min > 0 && r.r.Max >= r.r.Min) || math.IsInf(r.r.Max, 0) {
			return configErr(r.name, r.r, "want 0 < Min ≤ Max < +Inf")
		}
	}
	switch {
	case !(c.MinScore >= 0 && c.MinScore <= 1):
		return configErr("MinScore", c.MinScore, "want 0..1")
	case !(c.MaxElbowFlexionDeg > 0 && c.MaxElbowFlexionDeg <= 180):
		return configErr("MaxElbowFlexionDeg", c.MaxElbowFlexionDeg, "want (0, 180] degrees")
	case !(c.MaxKneeFlexionDeg > 0 && c.MaxKneeFlexionDeg <= 180):
		return configErr("MaxKneeFlexionDeg", c.MaxKneeFlexionDeg, "want (0, 180] degrees")
	case !(c.MaxKneeHyperextensionDeg >= 0 && c.MaxKneeHyperextensionDeg <= 180):
		return configErr("MaxKneeHyperextensionDeg", c.MaxKneeHyperextensionDeg, "want 0..180 degrees")
	case !(c.MinPlausibility >= 0 && c.MinPlausibility <= 1):
		return configErr("MinPlausibility", c.MinPlausibility, "want 0..1")
	}
	return nil
}

// Result is the verdict on one person.
type Result struct {
	// Score is the mean per-check score in [0, 1]; 1 when no check could run.
	Score float64
	// Flags names the failed checks.
	Flags Flag
	// Checks is the number of checks that could run (enough keypoints).
	Checks int
}

// Checker runs the checks; it is safe for concurrent use.
type Checker struct{ cfg Config }

// New returns a Checker, or a *configerr.Error naming the bad field.
func New(cfg Config) (*Checker, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Checker{cfg: cfg}, nil
}

// Config returns the configuration with defaults filled in.
func (c *Checker) Config() Config { return c.cfg }

type acc struct {
	sum float64
	n   int
	f   Flag
}

func (a *acc) add(s float64, f Flag) {
	a.sum += s
	a.n++
	if s < 1 {
		a.f |= f
	}
}

func (a *acc) result() Result {
	if a.n == 0 {
		return Result{Score: 1}
	}
	return Result{Score: a.sum / float64(a.n), Flags: a.f, Checks: a.n}
}

// Limbs as keypoint chains, left then right.
var (
	arms = [2][3]int{{pose.LeftShoulder, pose.LeftElbow, pose.LeftWrist}, {pose.RightShoulder, pose.RightElbow, pose.RightWrist}}
	legs = [2][3]int{{pose.LeftHip, pose.LeftKnee, pose.LeftAnkle}, {pose.RightHip, pose.RightKnee, pose.RightAnkle}}
)

// Check2D scores a COCO-17 pose in pixels. Keypoints below MinScore or not
// labelled are skipped, and so is every check that needs them.
func (c *Checker) Check2D(kps []pose.Keypoint) Result {
	if len(kps) != pose.NumKeypoints {
		return Result{Score: 1}
	}
	ok := func(i int) bool { return kps[i].Visibility != pose.NotLabelled && kps[i].Score >= c.cfg.MinScore }
	dist := func(i, j int) float64 {
		return math.Hypot(float64(kps[i].X-kps[j].X), float64(kps[i].Y-kps[j].Y))
	}
	a := c.chains(ok, dist, c.cfg.ArmRatio2D, c.cfg.LegRatio2D, c.cfg.Symmetry2D)
	return a.result()
}

// chains runs the ratio and symmetry checks shared by 2D and 3D.
func (c *Checker) chains(ok func(int) bool, dist func(i, j int) float64, armR, legR, sym Range) acc {
	var a acc
	for _, set := range []struct {
		ch       [2][3]int
		r        Range
		ratio, s Flag
	}{{arms, armR, ArmRatio, ArmSymmetry}, {legs, legR, LegRatio, LegSymmetry}} {
		var total [2]float64
		for side, ch := range set.ch {
			if !ok(ch[0]) || !ok(ch[1]) || !ok(ch[2]) {
				continue
			}
			up, lo := dist(ch[0], ch[1]), dist(ch[1], ch[2])
			total[side] = up + lo
			if lo <= 1e-9 || up <= 1e-9 {
				a.add(0, set.ratio)
				continue
			}
			a.add(set.r.score(up/lo), set.ratio)
		}
		if total[0] > 0 && total[1] > 0 {
			a.add(sym.score(total[0]/total[1]), set.s)
		}
	}
	return a
}

// Check3D scores a COCO-17 pose in metres: points[i] is keypoint i and
// valid[i] says whether it is known. It runs the ratio and symmetry checks
// with the 3D ranges, the bone lengths and the joint limits.
func (c *Checker) Check3D(points []r3.Vec, valid []bool) Result {
	if len(points) != pose.NumKeypoints || len(valid) != pose.NumKeypoints {
		return Result{Score: 1}
	}
	ok := func(i int) bool { return valid[i] }
	dist := func(i, j int) float64 { return r3.Norm(r3.Sub(points[i], points[j])) }
	a := c.chains(ok, dist, c.cfg.ArmRatio3D, c.cfg.LegRatio3D, c.cfg.Symmetry3D)
	bones := []struct {
		i, j int
		r    Range
	}{
		{pose.LeftShoulder, pose.LeftElbow, c.cfg.UpperArm}, {pose.RightShoulder, pose.RightElbow, c.cfg.UpperArm},
		{pose.LeftElbow, pose.LeftWrist, c.cfg.Forearm}, {pose.RightElbow, pose.RightWrist, c.cfg.Forearm},
		{pose.LeftHip, pose.LeftKnee, c.cfg.Thigh}, {pose.RightHip, pose.RightKnee, c.cfg.Thigh},
		{pose.LeftKnee, pose.LeftAnkle, c.cfg.Shin}, {pose.RightKnee, pose.RightAnkle, c.cfg.Shin},
		{pose.LeftShoulder, pose.RightShoulder, c.cfg.ShoulderWidth},
	}
	for _, b := range bones {
		if ok(b.i) && ok(b.j) {
			a.add(b.r.score(dist(b.i, b.j)), BoneLength)
		}
	}
	maxElbow := Range{1e-9, c.cfg.MaxElbowFlexionDeg}
	for _, ch := range arms {
		if ok(ch[0]) && ok(ch[1]) && ok(ch[2]) {
			f := flexion(points[ch[0]], points[ch[1]], points[ch[2]])
			a.add(maxElbow.score(math.Max(f, 1e-9)), ElbowAngle)
		}
	}
	// The body's left and forward directions, for the knee's signed flexion.
	left, haveFrame := bodyFrame(points, valid)
	maxKnee := Range{1e-9, c.cfg.MaxKneeFlexionDeg}
	maxHyper := Range{1e-9, c.cfg.MaxKneeHyperextensionDeg}
	for _, ch := range legs {
		if !ok(ch[0]) || !ok(ch[1]) || !ok(ch[2]) {
			continue
		}
		f := flexion(points[ch[0]], points[ch[1]], points[ch[2]])
		if !haveFrame {
			a.add(maxKnee.score(math.Max(f, 1e-9)), KneeAngle)
			continue
		}
		s := signedKnee(points[ch[0]], points[ch[1]], points[ch[2]], left)
		if s >= 0 {
			a.add(maxKnee.score(math.Max(s, 1e-9)), KneeAngle)
		} else {
			a.add(maxHyper.score(math.Max(-s, 1e-9)), KneeHyperextension)
		}
	}
	return a.result()
}

// flexion returns the angle in degrees between the proximal bone (a→b) and
// the distal bone (b→c): 0 for a straight limb, 180 fully folded.
func flexion(a, b, c r3.Vec) float64 {
	u, v := r3.Sub(b, a), r3.Sub(c, b)
	nu, nv := r3.Norm(u), r3.Norm(v)
	if nu == 0 || nv == 0 {
		return 0
	}
	cos := r3.Dot(u, v) / (nu * nv)
	return math.Acos(math.Max(-1, math.Min(1, cos))) * 180 / math.Pi
}

// signedKnee is the knee's flexion in degrees, positive when the shin
// folds backwards (the knee's natural direction) and negative for
// hyperextension, measured about the body's left axis.
func signedKnee(hip, knee, ankle, left r3.Vec) float64 {
	thigh, shin := r3.Sub(knee, hip), r3.Sub(ankle, knee)
	y := r3.Dot(r3.Cross(thigh, shin), left)
	x := r3.Dot(thigh, shin)
	return math.Atan2(y, x) * 180 / math.Pi
}

// bodyFrame returns the unit left axis (right hip/shoulder → left hip/
// shoulder), made orthogonal to up (mid-hip → mid-shoulder); the body faces
// left × up.
func bodyFrame(p []r3.Vec, valid []bool) (left r3.Vec, ok bool) {
	if !valid[pose.LeftHip] || !valid[pose.RightHip] || !valid[pose.LeftShoulder] || !valid[pose.RightShoulder] {
		return r3.Vec{}, false
	}
	across := r3.Add(r3.Sub(p[pose.LeftHip], p[pose.RightHip]), r3.Sub(p[pose.LeftShoulder], p[pose.RightShoulder]))
	midHip := r3.Scale(0.5, r3.Add(p[pose.LeftHip], p[pose.RightHip]))
	midSh := r3.Scale(0.5, r3.Add(p[pose.LeftShoulder], p[pose.RightShoulder]))
	up := r3.Sub(midSh, midHip)
	if r3.Norm(up) < 1e-6 {
		return r3.Vec{}, false
	}
	u := r3.Unit(up)
	across = r3.Sub(across, r3.Scale(r3.Dot(across, u), u))
	if r3.Norm(across) < 1e-6 {
		return r3.Vec{}, false
	}
	return r3.Unit(across), true
}

// Filter keeps the people whose result scores at least MinPlausibility,
// compacting people and results in place in the same order, and returns
// the kept prefixes.
func (c *Checker) Filter(people []pose.Person, results []Result) ([]pose.Person, []Result) {
	n := 0
	for i := range people {
		if results[i].Score >= c.cfg.MinPlausibility {
			people[n], people[i] = people[i], people[n]
			results[n] = results[i]
			n++
		}
	}
	return people[:n], results[:n]
}
