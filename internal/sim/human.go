package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// COCO-17 keypoint indices.
const (
	KpNose = iota
	KpLeftEye
	KpRightEye
	KpLeftEar
	KpRightEar
	KpLeftShoulder
	KpRightShoulder
	KpLeftElbow
	KpRightElbow
	KpLeftWrist
	KpRightWrist
	KpLeftHip
	KpRightHip
	KpLeftKnee
	KpRightKnee
	KpLeftAnkle
	KpRightAnkle
	NumKeypoints
)

// KeypointNames are the COCO-17 keypoint names in index order.
var KeypointNames = [NumKeypoints]string{
	"nose", "left_eye", "right_eye", "left_ear", "right_ear",
	"left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
	"left_wrist", "right_wrist", "left_hip", "right_hip",
	"left_knee", "right_knee", "left_ankle", "right_ankle",
}

// Activity is what an articulated person is doing.
type Activity uint8

// Activities of pedestrians; ActivityCycling is used for bicycle riders.
const (
	ActivityStanding Activity = iota
	ActivityWalking
	ActivityRunning
	ActivitySitting
	ActivityWaving
	ActivityCycling
)

// String returns the activity name.
func (a Activity) String() string {
	switch a {
	case ActivityStanding:
		return "standing"
	case ActivityWalking:
		return "walking"
	case ActivityRunning:
		return "running"
	case ActivitySitting:
		return "sitting"
	case ActivityWaving:
		return "waving"
	case ActivityCycling:
		return "cycling"
	}
	return "unknown"
}

// jointAngles are the joint-angle priors of the body model, radians; index 0
// is the left side (+y), 1 the right side.
type jointAngles struct {
	lean, headYaw float64
	hipF, hipA    [2]float64
	knee          [2]float64
	shF, shA      [2]float64
	elF, elA      [2]float64
}

const deg = math.Pi / 180

// poseAngles returns the joint angles for an activity at gait phase phase
// (radians) and time t (for waving), with a per-person offset jit.
func poseAngles(act Activity, phase, t, jit float64) jointAngles {
	var a jointAngles
	sp, cp := math.Sincos(phase)
	switch act {
	case ActivityWalking:
		a.lean = 3 * deg
		a.hipF = [2]float64{25 * deg * sp, -25 * deg * sp}
		a.knee = [2]float64{5*deg + 50*deg*math.Max(0, cp), 5*deg + 50*deg*math.Max(0, -cp)}
		a.shF = [2]float64{-20 * deg * sp, 20 * deg * sp}
		a.shA = [2]float64{6 * deg, 6 * deg}
		a.elF = [2]float64{15*deg + 10*deg*math.Max(0, -sp), 15*deg + 10*deg*math.Max(0, sp)}
	case ActivityRunning:
		a.lean = 10 * deg
		a.hipF = [2]float64{10*deg + 40*deg*sp, 10*deg - 40*deg*sp}
		a.knee = [2]float64{25*deg + 75*deg*math.Max(0, cp), 25*deg + 75*deg*math.Max(0, -cp)}
		a.shF = [2]float64{-35 * deg * sp, 35 * deg * sp}
		a.shA = [2]float64{10 * deg, 10 * deg}
		a.elF = [2]float64{90 * deg, 90 * deg}
	case ActivitySitting:
		a.lean = -5 * deg
		a.hipF = [2]float64{90 * deg, 90 * deg}
		a.hipA = [2]float64{5 * deg, 5 * deg}
		a.knee = [2]float64{90 * deg, 90 * deg}
		a.shF = [2]float64{25 * deg, 25 * deg}
		a.shA = [2]float64{10 * deg, 10 * deg}
		a.elF = [2]float64{50 * deg, 50 * deg}
		a.headYaw = 20 * deg * math.Sin(0.3*t+jit)
	case ActivityWaving:
		a.hipA = [2]float64{4 * deg, 4 * deg}
		a.shA = [2]float64{8 * deg, 135 * deg}
		a.elA = [2]float64{0, 20*deg + 25*deg*math.Sin(2*math.Pi*1.5*t+jit)}
		a.elF = [2]float64{10 * deg, 0}
		a.headYaw = 5 * deg
	case ActivityCycling:
		a.lean = 35 * deg
		a.hipF = [2]float64{75*deg + 25*deg*sp, 75*deg - 25*deg*sp}
		a.hipA = [2]float64{3 * deg, 3 * deg}
		a.knee = [2]float64{70*deg + 35*deg*sp, 70*deg - 35*deg*sp}
		a.shF = [2]float64{60 * deg, 60 * deg}
		a.shA = [2]float64{8 * deg, 8 * deg}
		a.elF = [2]float64{15 * deg, 15 * deg}
	default: // standing, with a slow sway
		a.hipA = [2]float64{4 * deg, 4 * deg}
		a.shA = [2]float64{8 * deg, 8 * deg}
		a.shF = [2]float64{3 * deg * math.Sin(0.5*t+jit), 3 * deg * math.Sin(0.5*t+jit+1)}
		a.elF = [2]float64{10 * deg, 10 * deg}
		a.headYaw = 15 * deg * math.Sin(0.2*t+jit)
	}
	return a
}

// body holds the posed keypoints and helper points of a person in its body
// frame (x forward, y left, z up; origin on the ground below the pelvis).
type body struct {
	kp                 [NumKeypoints]r3.Vec
	pelvis, neck, head r3.Vec
	toe                [2]r3.Vec
	h                  float64 // standing height, m
}

// Body proportions as fractions of standing height.
const (
	fHipHalf   = 0.057
	fShHalf    = 0.118
	fTorso     = 0.288
	fNeck      = 0.33
	fHeadC     = 0.406
	fHeadR     = 0.062
	fUpperArm  = 0.186
	fForearm   = 0.146
	fThigh     = 0.245
	fShin      = 0.246
	fAnkleZ    = 0.039
	fFoot      = 0.12
	fTorsoR    = 0.075
	fHipR      = 0.065
	fShoulderR = 0.045
	fNeckR     = 0.03
	fUpperArmR = 0.028
	fForearmR  = 0.023
	fThighR    = 0.045
	fShinR     = 0.034
	fFootR     = 0.022
)

func limbDir(f, a, side float64) r3.Vec {
	sf, cf := math.Sincos(f)
	sa, ca := math.Sincos(a)
	return r3.Vec{X: sf * ca, Y: side * sa, Z: -cf * ca}
}

// poseBody computes the body points for height h and joint angles a. If
// pelvisZ > 0 the pelvis is placed at that height; otherwise the body is
// lowered until the lowest foot point touches the ground.
func poseBody(a *jointAngles, h, pelvisZ float64) body {
	var b body
	b.h = h
	sl, cl := math.Sincos(a.lean)
	up := func(y, z float64) r3.Vec { return r3.Vec{X: z * sl, Y: y, Z: z * cl} }
	b.neck = up(0, fNeck*h)
	b.head = up(0, fHeadC*h)
	for s := 0; s < 2; s++ {
		side := 1.0 - 2*float64(s)
		sh := up(side*fShHalf*h, fTorso*h)
		el := r3.Add(sh, r3.Scale(fUpperArm*h, limbDir(a.shF[s], a.shA[s], side)))
		wr := r3.Add(el, r3.Scale(fForearm*h, limbDir(a.shF[s]+a.elF[s], a.shA[s]+a.elA[s], side)))
		hip := r3.Vec{Y: side * fHipHalf * h}
		kn := r3.Add(hip, r3.Scale(fThigh*h, limbDir(a.hipF[s], a.hipA[s], side)))
		an := r3.Add(kn, r3.Scale(fShin*h, limbDir(a.hipF[s]-a.knee[s], a.hipA[s], side)))
		b.kp[KpLeftShoulder+s] = sh
		b.kp[KpLeftElbow+s] = el
		b.kp[KpLeftWrist+s] = wr
		b.kp[KpLeftHip+s] = hip
		b.kp[KpLeftKnee+s] = kn
		b.kp[KpLeftAnkle+s] = an
		b.toe[s] = r3.Add(an, r3.Vec{X: fFoot * h, Z: -0.6 * fAnkleZ * h})
	}
	// Face points on the head sphere, turned by the head yaw.
	face := func(yaw, pitch float64) r3.Vec {
		sy, cy := math.Sincos(yaw + a.headYaw)
		sp, cp := math.Sincos(pitch)
		return r3.Add(b.head, r3.Scale(fHeadR*h, r3.Vec{X: cp * cy, Y: cp * sy, Z: sp}))
	}
	b.kp[KpNose] = face(0, -10*deg)
	b.kp[KpLeftEye] = face(28*deg, 12*deg)
	b.kp[KpRightEye] = face(-28*deg, 12*deg)
	b.kp[KpLeftEar] = face(100*deg, 0)
	b.kp[KpRightEar] = face(-100*deg, 0)
	dz := pelvisZ
	if pelvisZ <= 0 {
		lowest := math.Inf(1)
		for s := 0; s < 2; s++ {
			lowest = math.Min(lowest, b.kp[KpLeftAnkle+s].Z-fAnkleZ*h)
			lowest = math.Min(lowest, b.toe[s].Z-fFootR*h)
		}
		dz = -lowest
	}
	off := r3.Vec{Z: dz}
	for k := range b.kp {
		b.kp[k] = r3.Add(b.kp[k], off)
	}
	b.pelvis = off
	b.neck = r3.Add(b.neck, off)
	b.head = r3.Add(b.head, off)
	b.toe[0] = r3.Add(b.toe[0], off)
	b.toe[1] = r3.Add(b.toe[1], off)
	return b
}

// bodyPrims appends the capsules and head sphere of a posed body, placed by
// pose (x, y, z, yaw) in the map frame.
func bodyPrims(out []prim, b *body, x, y, z, yaw float64, label uint16, inst uint32, shirt uint16) []prim {
	sy, cy := math.Sincos(yaw)
	tf := func(v r3.Vec) r3.Vec {
		return r3.Vec{X: x + cy*v.X - sy*v.Y, Y: y + sy*v.X + cy*v.Y, Z: z + v.Z}
	}
	h := b.h
	caps := func(a, c r3.Vec, r float64, mat uint16, mask uint32) {
		out = append(out, prim{kind: kindCapsule, p0: tf(a), p1: tf(c), r: r * h, label: label, inst: inst, mat: mat, kp: mask})
	}
	bit := func(ks ...int) uint32 {
		var m uint32
		for _, k := range ks {
			m |= 1 << uint(k)
		}
		return m
	}
	kp := &b.kp
	midSh := r3.Scale(0.5, r3.Add(kp[KpLeftShoulder], kp[KpRightShoulder]))
	caps(b.pelvis, r3.Add(b.pelvis, r3.Scale(0.8, r3.Sub(midSh, b.pelvis))), fTorsoR, shirt, bit(KpLeftHip, KpRightHip, KpLeftShoulder, KpRightShoulder))
	caps(kp[KpLeftHip], kp[KpRightHip], fHipR, matPants, bit(KpLeftHip, KpRightHip))
	caps(kp[KpLeftShoulder], kp[KpRightShoulder], fShoulderR, shirt, bit(KpLeftShoulder, KpRightShoulder))
	caps(midSh, b.head, fNeckR, matSkin, bit(KpLeftShoulder, KpRightShoulder))
	for s := 0; s < 2; s++ {
		caps(kp[KpLeftShoulder+s], kp[KpLeftElbow+s], fUpperArmR, shirt, bit(KpLeftShoulder+s, KpLeftElbow+s))
		caps(kp[KpLeftElbow+s], kp[KpLeftWrist+s], fForearmR, matSkin, bit(KpLeftElbow+s, KpLeftWrist+s))
		caps(kp[KpLeftHip+s], kp[KpLeftKnee+s], fThighR, matPants, bit(KpLeftHip+s, KpLeftKnee+s))
		caps(kp[KpLeftKnee+s], kp[KpLeftAnkle+s], fShinR, matPants, bit(KpLeftKnee+s, KpLeftAnkle+s))
		caps(kp[KpLeftAnkle+s], b.toe[s], fFootR, matTire, bit(KpLeftAnkle+s))
	}
	out = append(out, prim{kind: kindSphere, p0: tf(b.head), r: fHeadR * h, label: label, inst: inst, mat: matSkin})
	// Face keypoints lie on the head sphere's surface, so the sphere carries no
	// keypoint mask: it occludes them when seen from behind.
	return out
}
