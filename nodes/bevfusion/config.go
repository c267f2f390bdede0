package bevfusionnode

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/head"
)

// MaxCameras is the largest camera rig the node accepts.
const MaxCameras = 8

// Config is the node's configuration, read from its parameters.
type Config struct {
	Cameras            []string // camera names; topics <name>/image and <name>/camera_info (relative: in the node's namespace)
	CompressedImages   bool     // read <name>/image/compressed instead of <name>/image
	CloudTopic         string   // PointCloud2 topic
	BaseFrame          string   // output frame, base_link
	OdomFrame          string   // fixed frame for de-skewing, odom
	Deskew             bool     // de-skew clouds with per-point time
	MotionCompensation bool     // camera poses at their image stamps in base_link at the cloud's stamp
	PointTimeScale     float64  // s per unit of the cloud's time field
	PointTimeAbsolute  bool     // the time field is absolute (epoch) rather than relative to the stamp
	SyncTolerance      float64  // s, largest |image − cloud| stamp difference for a match
	MaxWait            float64  // s of stamp time a cloud waits for its images
	CloudSyncLimit     float64  // s; a cloud farther than this from every image is dropped
	TemporalMaxGap     float64  // s; an older previous frame is not warped (BEVDet4D)
	IPM                bool     // publish the IPM image
	IPMGroundZ         float64  // m, ground plane height in base_link for IPM
	IPMOrientation     string   // "forward_up" or "grid"
	Grid               bev.Grid // BEV grid in base_link
	ZMin, ZMax         float64  // m, pillar height range in base_link
	ObstacleHeight     float64  // m in base_link above which a point marks its cell occupied
	EncoderModel       string   // camera encoder ONNX path ("" = none)
	FuserModel         string   // fuser + heads ONNX path ("" = none)
	Providers          []string // ONNX Runtime providers
	DeviceID           int      // CUDA device for tensorrt and cuda
	FP16               bool     // TensorRT fp16 engines
	BuildEngineOnly    bool     // build and cache the TensorRT engines, then stop
	ClassNames         []string // used when the fuser card lists no classes
	Head               head.Config
	NMS                head.NMSConfig
}

// declare reads every parameter of the node from ps.
func declare(ps *param.Set, root string) (Config, error) {
	var c Config
	c.Cameras = ps.Strings("cameras", nil, "Camera names (0 to 8), e.g. cameras/cam_front; each reads <name>/image (or <name>/image/compressed) and <name>/camera_info, relative names in the node's namespace.")
	c.CompressedImages = ps.Bool("compressed_images", false, "Read sensor_msgs/CompressedImage on <name>/image/compressed instead of raw images.")
	c.CloudTopic = ps.String("cloud_topic", "lidar/points", "The lidar's sensor_msgs/PointCloud2 topic (relative: in the node's namespace). Empty: camera-only (LSS/BEVDet-style), the first camera's images key the frames and the fuser's lidar input stays zero.")
	c.BaseFrame = ps.String("base_frame", "base_link", "Frame of the BEV grid and of every output.")
	c.OdomFrame = ps.String("odom_frame", "odom", "Fixed frame in which de-skewing assumes the world still.")
	c.Deskew = ps.Bool("deskew", true, "Move every lidar point to the sensor pose at the cloud's stamp using its per-point time and odom TF.")
	c.MotionCompensation = ps.Bool("camera_motion_compensation", true, "Place each camera at its image's stamp in base_link at the cloud's stamp, through odom TF (ego motion between the two stamps); without odom TF the static extrinsic is used.")
	c.PointTimeScale = ps.Float("point_time_scale", 1, "Seconds per unit of the cloud's per-point time field (1e-9 for nanoseconds).")
	c.PointTimeAbsolute = ps.Bool("point_time_absolute", false, "The per-point time is absolute (since the epoch) rather than relative to the header stamp.")
	c.SyncTolerance = ps.Float("sync_tolerance", 0.05, "Largest stamp difference between an image and the cloud for them to be fused, s.")
	c.MaxWait = ps.Float("max_wait", 0.1, "How far past a cloud's stamp (judged by later messages' stamps) the node waits for its images before fusing what it has, s.")
	c.CloudSyncLimit = ps.Float("cloud_sync_limit", 1.0, "A cloud farther than this from every camera image is dropped as out of sync, s.")
	c.TemporalMaxGap = ps.Float("temporal_max_gap", 1.0, "For fusers with a previous-BEV input (BEVDet4D): a previous frame older than this is replaced by the current one, s.")
	c.Grid.XMin = ps.Float("grid.x_min", -51.2, "BEV grid rear edge in base_link, m.")
	c.Grid.XMax = ps.Float("grid.x_max", 51.2, "BEV grid front edge in base_link, m.")
	c.Grid.YMin = ps.Float("grid.y_min", -51.2, "BEV grid right edge in base_link, m.")
	c.Grid.YMax = ps.Float("grid.y_max", 51.2, "BEV grid left edge in base_link, m.")
	c.Grid.Resolution = ps.Float("grid.resolution", 0.4, "BEV cell side, m.")
	c.ZMin = ps.Float("grid.z_min", -5, "Lowest lidar point kept in base_link, m.")
	c.ZMax = ps.Float("grid.z_max", 3, "Highest lidar point kept in base_link, m.")
	c.ObstacleHeight = ps.Float("obstacle_height", 0.3, "Height in base_link above which a lidar point marks its cell occupied (lower points mark it observed free), m.")
	c.IPM = ps.Bool("ipm.enabled", true, "Publish the stitched top-down camera image (inverse perspective mapping on the ground plane) on ~/ipm (live, rendered only while something subscribes to it, as ~/bev_image).")
	c.IPMGroundZ = ps.Float("ipm.ground_z", 0, "Height of the flat ground in base_link for IPM, m.")
	c.IPMOrientation = ps.String("ipm.orientation", "forward_up", "IPM image pixel order: forward_up (forward at the top, for people) or grid (the OccupancyGrid's order).")
	c.EncoderModel = ps.String("encoder_model", "", "Camera encoder ONNX model (card family bev-camera), or a query-based detector (card family bev-query: images and lidar2img in, a box set out; fuser_model must then be empty); empty for none. Relative paths are under the project root.")
	c.FuserModel = ps.String("fuser_model", "", "Fuser and detection heads ONNX model (card family bev-fuser); empty for none.")
	c.Providers = ps.Strings("providers", []string{"cpu"}, "ONNX Runtime execution providers in order of preference.")
	c.DeviceID = ps.Int("device_id", 0, "CUDA device ordinal for the tensorrt and cuda providers.")
	c.FP16 = ps.Bool("fp16", false, "Let TensorRT build fp16 engines (trt_fp16_enable); the cuda and cpu providers run the model's own precision.")
	c.BuildEngineOnly = ps.Bool("build_engine_only", false, "Build and cache the encoder's and fuser's TensorRT engines (TensorRT alone, no fallback) and exit without running.")
	c.ClassNames = ps.Strings("class_names", []string{"car", "truck", "construction_vehicle", "bus", "trailer", "barrier", "motorcycle", "bicycle", "pedestrian", "traffic_cone"}, "Detection class names in head channel order, used when the fuser card lists no classes.")
	c.Head.ScoreThreshold = ps.Float("score_threshold", 0.1, "Lowest detection score kept.")
	c.Head.TopK = ps.Int("top_k", 500, "Most heatmap peaks decoded per frame.")
	nmsKind := ps.String("nms", "rotated", "NMS kind: rotated (BEV IoU, with nms_scale as BEVDet's Scale-NMS), circle (centre distance) or none.")
	c.NMS.IoUThreshold = ps.Float("nms_iou", 0.2, "Rotated NMS: IoU above which the lower-scoring box is suppressed.")
	c.NMS.Scale = ps.Floats("nms_scale", []float64{1, 0.7, 0.7, 0.4, 0.55, 1.1, 1, 1, 4.5, 9}, "Scale-NMS factor per class on length and width before the IoU test (BEVDet's nuScenes values).")
	c.NMS.MinRadius = ps.Floats("nms_radius", []float64{4, 12, 10, 1, 0.85, 0.175}, "Circle NMS min_radius per NMS group (CenterPoint task; one value for all), compared like CenterPoint's with the squared centre distance: m², 4 suppresses within 2 m. Every class needs one through nms_groups.")
	groups := ps.Floats("nms_groups", nil, "NMS group per class (CenterPoint/BEVDet tasks, e.g. [0, 1, 1, 2, 2, 3, 4, 4, 5, 5]): boxes suppress only boxes of their group; empty means one group per class.")
	c.NMS.PostMax = ps.Int("max_detections", 300, "Most detections published per frame.")
	markDynamic(ps)
	if err := ps.Err(); err != nil {
		return c, err
	}
	var err error
	if c.NMS.Kind, err = head.ParseNMSKind(nmsKind); err != nil {
		return c, fmt.Errorf("bevfusion: nms: %w", err)
	}
	for i, g := range groups {
		if g != math.Trunc(g) || g < 0 || g > 1e6 {
			return c, paramErr(fmt.Sprintf("nms_groups[%d]", i), g, "want a whole number ≥ 0")
		}
		c.NMS.Group = append(c.NMS.Group, int(g))
	}
	if c.NMS.Kind != head.CircleNMS {
		c.NMS.MinRadius = nil
	}
	if err := checkDynamic(&c); err != nil {
		return c, err
	}
	if len(c.Cameras) > MaxCameras {
		return c, paramErr("cameras", c.Cameras, "%d cameras, at most %d", len(c.Cameras), MaxCameras)
	}
	seen := map[string]bool{}
	for _, n := range c.Cameras {
		if n == "" || seen[n] {
			return c, paramErr("cameras", c.Cameras, "empty or repeated name %q", n)
		}
		seen[n] = true
	}
	if err := c.Grid.Validate(); err != nil {
		return c, fmt.Errorf("bevfusion: grid: %w", err)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"sync_tolerance", c.SyncTolerance}, {"max_wait", c.MaxWait}, {"cloud_sync_limit", c.CloudSyncLimit}, {"temporal_max_gap", c.TemporalMaxGap}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return c, paramErr(f.name, f.v, "want a finite value ≥ 0 s")
		}
	}
	if !(c.ZMax > c.ZMin) {
		return c, paramErr("grid.z_max", c.ZMax, "must exceed grid.z_min %g m", c.ZMin)
	}
	for _, p := range []*string{&c.EncoderModel, &c.FuserModel} {
		if *p != "" && !filepath.IsAbs(*p) && root != "" {
			*p = filepath.Join(root, *p)
		}
	}
	return c, nil
}

// runtime is the ONNX Runtime settings every model of the node opens with.
func (c *Config) runtime() infer.Config {
	return infer.Config{Providers: c.Providers, DeviceID: c.DeviceID, FP16: c.FP16, BuildEngineOnly: c.BuildEngineOnly}
}
