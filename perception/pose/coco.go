package pose

// NumKeypoints is the number of keypoints in the COCO-17 convention.
const NumKeypoints = 17

// Convention names the COCO-17 keypoint convention, as written in the
// skeleton messages' convention field.
const Convention = "coco17"

// COCO-17 keypoint indices, in the order COCO, mmpose and Ultralytics use.
const (
	Nose = iota
	LeftEye
	RightEye
	LeftEar
	RightEar
	LeftShoulder
	RightShoulder
	LeftElbow
	RightElbow
	LeftWrist
	RightWrist
	LeftHip
	RightHip
	LeftKnee
	RightKnee
	LeftAnkle
	RightAnkle
)

// KeypointNames holds the COCO-17 keypoint names indexed by keypoint index.
var KeypointNames = [NumKeypoints]string{
	"nose", "left_eye", "right_eye", "left_ear", "right_ear",
	"left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
	"left_wrist", "right_wrist", "left_hip", "right_hip",
	"left_knee", "right_knee", "left_ankle", "right_ankle",
}

// Sigmas holds COCO's per-keypoint OKS constants k_i (the falloff of the
// similarity, relative to the object scale), indexed by keypoint index.
var Sigmas = [NumKeypoints]float64{
	0.026, 0.025, 0.025, 0.035, 0.035,
	0.079, 0.079, 0.072, 0.072, 0.062, 0.062,
	0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
}

// Limb is a pair of keypoint indices joined by a bone of the skeleton.
type Limb [2]int

// Skeleton holds the 19 limbs of COCO's person skeleton (0-based indices,
// in the order of COCO's annotation file): legs, hips, torso, arms, face.
var Skeleton = [...]Limb{
	{LeftAnkle, LeftKnee}, {LeftKnee, LeftHip}, {RightAnkle, RightKnee}, {RightKnee, RightHip},
	{LeftHip, RightHip}, {LeftShoulder, LeftHip}, {RightShoulder, RightHip},
	{LeftShoulder, RightShoulder}, {LeftShoulder, LeftElbow}, {RightShoulder, RightElbow},
	{LeftElbow, LeftWrist}, {RightElbow, RightWrist},
	{LeftEye, RightEye}, {Nose, LeftEye}, {Nose, RightEye},
	{LeftEye, LeftEar}, {RightEye, RightEar}, {LeftEar, LeftShoulder}, {RightEar, RightShoulder},
}

// FlipPairs holds the left/right keypoint pairs (left first), used for
// symmetry checks and horizontal-flip test-time augmentation.
var FlipPairs = [...]Limb{
	{LeftEye, RightEye}, {LeftEar, RightEar}, {LeftShoulder, RightShoulder},
	{LeftElbow, RightElbow}, {LeftWrist, RightWrist}, {LeftHip, RightHip},
	{LeftKnee, RightKnee}, {LeftAnkle, RightAnkle},
}

// KeypointIndex returns the COCO-17 index of the named keypoint, or -1.
func KeypointIndex(name string) int {
	for i, n := range KeypointNames {
		if n == name {
			return i
		}
	}
	return -1
}
