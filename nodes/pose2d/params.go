package pose2dnode

import (
	"math"
	"path/filepath"

	"github.com/gopercept/gopercept/internal/ros/param"
)

// Config is the node's parameters, read from params/pose2d.yaml.
type Config struct {
	ImageTopic, ImageTransport, CameraInfoTopic, DepthTopic string
	DepthMaxStampDiff                                       float64
	SkeletonsTopic, Skeletons3DTopic, MarkersTopic          string
	OverlayTopic                                            string
	Overlay                                                 bool

	ModelPath, ModelDecoder string
	InputSizes              []int
	Providers               []string
	Threads                 int
	DeviceID                int
	FP16, BuildEngineOnly   bool
	DetectorPath            string
	DetScore, DetIoU        float64
	PersonClass, MaxPeople  int
	DetTiles                int
	PersonScore             float64
	KeypointThreshold       float64

	Tracking                     bool
	MinHits, MaxMisses           int
	MinSimilarity                float64
	Smoothing                    bool
	MinCutoff, Beta, DCutoff     float64
	PlausibilityMode             string
	MinPlausibility              float64
	LiftWindow                   int
	LiftMADK, LiftMinDepth       float64
	LiftMaxDepth, LiftPixelSigma float64
	LiftDepthNoise               float64
	LiftModel, LiftScale         string
	LiftPersonHeight             float64
	LiftGroundFrame              string
	TargetFrame                  string
	JointSize, LineWidth         float64
}

// declare reads every parameter from ps; root resolves relative model
// paths.
func declare(ps *param.Set, root string) (Config, error) {
	var c Config
	c.ImageTopic = ps.String("image.topic", "camera/image", "Colour image topic (relative: in the node's namespace); with image.transport compressed the node subscribes to <topic>/compressed.")
	c.ImageTransport = ps.String("image.transport", "raw", "raw (sensor_msgs/Image) or compressed (sensor_msgs/CompressedImage, jpeg or png).")
	c.CameraInfoTopic = ps.String("camera_info.topic", "camera/camera_info", "CameraInfo of the colour camera.")
	c.DepthTopic = ps.String("depth.topic", "", "Depth image aligned to the colour camera (16UC1 mm or 32FC1 m), e.g. camera/depth; empty disables 3D.")
	c.DepthMaxStampDiff = ps.Float("depth.max_stamp_diff", 0.02, "Largest stamp difference in seconds between a colour image and the depth image used with it.")
	c.SkeletonsTopic = ps.String("output.skeletons", "~/skeletons", "Output gopercept_msgs/Skeleton2DArray topic; ~/ is the node's name.")
	c.Skeletons3DTopic = ps.String("output.skeletons_3d", "~/skeletons_3d", "Output gopercept_msgs/Skeleton3DArray topic (with depth, or a lift.model without).")
	c.MarkersTopic = ps.String("output.markers", "~/markers", "Output visualization_msgs/MarkerArray topic of the 3D skeletons (with depth or a lift.model).")
	c.OverlayTopic = ps.String("output.overlay", "~/overlay", "Output rgb8 overlay Image topic.")
	c.Overlay = ps.Bool("overlay.enabled", true, "Publish the image with skeletons drawn (live, drawn only while something subscribes to it).")
	c.ModelPath = ps.String("model.path", "models/pose-heatmap-small.onnx", "Pose model (.onnx, card beside it); relative to the project root.")
	c.ModelDecoder = ps.String("model.decoder", "", "Decoder override (heatmap, dark, integral, simcc, yolo-pose, yolo-pose-e2e, openpose, movenet-multipose, movenet, movenet-topdown); empty takes the card's.")
	sizes := ps.Floats("model.input_sizes", nil, "Input sizes (square, pixels) to run a one-stage model whose card leaves H and W free, fusing the people joint by joint (multi-scale testing); empty takes the card's input_sizes, or its input_size.")
	for _, v := range sizes {
		if v != math.Trunc(v) || v < 32 || v > 2048 {
			return c, paramErr("model.input_sizes", sizes, "want whole numbers of pixels in 32..2048")
		}
		c.InputSizes = append(c.InputSizes, int(v))
	}
	c.Providers = ps.Strings("model.providers", []string{"cpu"}, "Execution providers in order of preference: tensorrt, cuda, cpu.")
	c.Threads = ps.Int("model.threads", 0, "ONNX Runtime intra-op threads; 0 for its default.")
	c.DeviceID = ps.Int("model.device_id", 0, "CUDA device ordinal for the tensorrt and cuda providers (every model of the node).")
	c.FP16 = ps.Bool("model.fp16", false, "Let TensorRT build fp16 engines (trt_fp16_enable); the cuda and cpu providers run the model's own precision.")
	c.BuildEngineOnly = ps.Bool("model.build_engine_only", false, "Build and cache the TensorRT engines of the pose, detector and lift models (TensorRT alone, no fallback; up to detector.max_people crops) and exit without running.")
	c.DetectorPath = ps.String("detector.path", "models/detector-person-small.onnx", "Person detector (.onnx, YOLO detection output) for top-down pose models; relative to the project root.")
	c.DetScore = ps.Float("detector.score_threshold", 0.25, "Lowest person detection score, 0..1.")
	c.DetIoU = ps.Float("detector.iou_threshold", 0.6, "NMS box IoU above which the lower-scored detection is removed, 0..1.")
	c.PersonClass = ps.Int("detector.person_class", 0, "Class index of person in the detector's output.")
	c.MaxPeople = ps.Int("detector.max_people", 30, "Most people per image (a crowded kerb has 15–30 in view; each costs a pose crop).")
	c.DetTiles = ps.Int("detector.tiles", 1, "Slicing-aided detection: besides the whole image, run the detector on an N×N grid of overlapping tiles at a larger scale, for small, distant people; 1 is the whole image only.")
	c.PersonScore = ps.Float("pose.score_threshold", 0.25, "Lowest person score published, 0..1.")
	c.KeypointThreshold = ps.Float("pose.keypoint_threshold", 0.3, "Keypoint score from which a keypoint counts as visible, 0..1.")
	c.Tracking = ps.Bool("tracking.enabled", true, "Keep track ids across frames.")
	c.MinHits = ps.Int("tracking.min_hits", 3, "Matched frames before a track is born and gets its id.")
	c.MaxMisses = ps.Int("tracking.max_misses", 10, "Frames without a match after which a track dies.")
	c.MinSimilarity = ps.Float("tracking.min_similarity", 0.3, "Lowest OKS (or box IoU) to continue a track, 0..1.")
	c.Smoothing = ps.Bool("tracking.smoothing", true, "One-Euro smoothing of tracked keypoints.")
	c.MinCutoff = ps.Float("tracking.one_euro.min_cutoff", 1.0, "One-Euro cutoff at rest in Hz.")
	c.Beta = ps.Float("tracking.one_euro.beta", 1.0, "One-Euro speed coefficient in Hz per px/s (1.0 follows people crossing a moving vehicle's view without lag; 0.01 lagged them).")
	c.DCutoff = ps.Float("tracking.one_euro.d_cutoff", 1.0, "One-Euro cutoff of the speed estimate in Hz.")
	c.PlausibilityMode = ps.String("plausibility.mode", "flag", "off, flag (count implausible people in diagnostics) or filter (drop them).")
	c.MinPlausibility = ps.Float("plausibility.min_score", 0.5, "Plausibility score below which a person is implausible, 0..1.")
	c.LiftWindow = ps.Int("lift.window", 7, "Side in pixels of the depth window around a keypoint (odd).")
	c.LiftMADK = ps.Float("lift.mad_k", 3.0, "Depth outlier rejection in robust standard deviations (1.4826 MAD).")
	c.LiftMinDepth = ps.Float("lift.min_depth", 0.1, "Smallest valid depth in metres.")
	c.LiftMaxDepth = ps.Float("lift.max_depth", 20.0, "Largest valid depth in metres.")
	c.LiftPixelSigma = ps.Float("lift.pixel_sigma", 2.0, "Keypoint 2D standard deviation in pixels at score 1.")
	c.LiftDepthNoise = ps.Float("lift.depth_noise", 0.002, "Depth noise coefficient in 1/m (sigma_z >= k z^2).")
	c.LiftModel = ps.String("lift.model", "", "Monocular lifting model (.onnx, lift-mlp card beside it) for 3D without depth; relative to the project root; empty disables it. Needs depth.topic empty.")
	c.LiftScale = ps.String("lift.scale", "ground", "Metric scale of monocular 3D: ground (feet on z = 0 of lift.ground_frame through TF; the height prior where that fails) or prior (lift.person_height only).")
	c.LiftPersonHeight = ps.Float("lift.person_height", 1.70, "Person-height prior in metres for monocular 3D.")
	c.LiftGroundFrame = ps.String("lift.ground_frame", "base_link", "Frame whose z = 0 plane is the ground, for lift.scale ground.")
	c.TargetFrame = ps.String("target_frame", "", "Frame of the 3D outputs; empty keeps the camera's optical frame.")
	c.JointSize = ps.Float("markers.joint_size", 0.05, "Joint sphere diameter in metres.")
	c.LineWidth = ps.Float("markers.line_width", 0.02, "Limb line width in metres.")
	markDynamic(ps)
	if err := checkDynamic(&c); err != nil {
		return c, err
	}

	switch {
	case c.ImageTransport != "raw" && c.ImageTransport != "compressed":
		return c, paramErr("image.transport", c.ImageTransport, "want raw or compressed")
	case c.PlausibilityMode != "off" && c.PlausibilityMode != "flag" && c.PlausibilityMode != "filter":
		return c, paramErr("plausibility.mode", c.PlausibilityMode, "want off, flag or filter")
	case c.DetTiles < 1 || c.DetTiles > 4:
		return c, paramErr("detector.tiles", c.DetTiles, "want 1..4")
	case c.MaxPeople < 1:
		return c, paramErr("detector.max_people", c.MaxPeople, "want ≥ 1")
	case !(c.DetScore >= 0 && c.DetScore <= 1):
		return c, paramErr("detector.score_threshold", c.DetScore, "want 0..1")
	case !(c.DetIoU > 0 && c.DetIoU <= 1):
		return c, paramErr("detector.iou_threshold", c.DetIoU, "want (0, 1]")
	case c.PersonClass < 0:
		return c, paramErr("detector.person_class", c.PersonClass, "want ≥ 0")
	case !(c.DepthMaxStampDiff >= 0):
		return c, paramErr("depth.max_stamp_diff", c.DepthMaxStampDiff, "want ≥ 0")
	case c.LiftModel != "" && c.DepthTopic != "":
		return c, paramErr("depth.topic", c.DepthTopic, "set with lift.model; 3D comes from one of them (set depth.topic to \"\" for monocular lifting)")
	case c.LiftScale != "ground" && c.LiftScale != "prior":
		return c, paramErr("lift.scale", c.LiftScale, "want ground or prior")
	case !(c.LiftPersonHeight >= 0.5 && c.LiftPersonHeight <= 2.5):
		return c, paramErr("lift.person_height", c.LiftPersonHeight, "want 0.5..2.5 m")
	case c.LiftScale == "ground" && c.LiftGroundFrame == "":
		return c, paramErr("lift.ground_frame", c.LiftGroundFrame, "empty, but lift.scale ground needs it")
	case !(c.JointSize > 0):
		return c, paramErr("markers.joint_size", c.JointSize, "must be positive")
	case !(c.LineWidth > 0):
		return c, paramErr("markers.line_width", c.LineWidth, "must be positive")
	}
	c.ModelPath = resolve(root, c.ModelPath)
	c.DetectorPath = resolve(root, c.DetectorPath)
	c.LiftModel = resolve(root, c.LiftModel)
	return c, nil
}

func resolve(root, p string) string {
	if p == "" || filepath.IsAbs(p) || root == "" {
		return p
	}
	return filepath.Join(root, p)
}
