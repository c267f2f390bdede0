// Package bevfusionnode is the "bevfusion" node: surround cameras and one
// lidar to a bird's-eye-view occupancy grid and 3D detections, after
// BEVFusion (camera and lidar features fused in one BEV grid in base_link).
//
// # Inputs
//
// For each camera name in the "cameras" parameter (one to eight; none gives
// a lidar-only node) the node reads <name>/image (sensor_msgs/Image) or
// <name>/image/compressed when "compressed_images" is set, and
// <name>/camera_info; plus one sensor_msgs/PointCloud2 on "cloud_topic"
// (lidar/points). Relative names resolve in the node's namespace (the
// shipped parameters read cameras/cam_front/image, ...). TF gives every
// sensor frame in base_link at the message's own stamp.
//
// # Synchronisation
//
// The cloud drives the output: a cloud waits (in stamp time, at most
// "max_wait" seconds past its stamp, judged by the stamps of later messages)
// for an image of every camera within "sync_tolerance" of its stamp. A
// camera without such an image, whose TF is missing, whose CameraInfo is
// invalid (zero focal length, for instance) or whose image size differs from
// its CameraInfo is masked: its features are zeroed, its reason is published
// in the node's facts ("camera.<name>", the name resolved as the driver
// resolves topics, e.g. camera./veh1/cameras/cam_front) and the frame goes
// on with the rest.
//
// Camera-only (LSS/BEVDet-style): with an empty "cloud_topic" the node reads
// no cloud; the first camera's images key the frames as clouds do (each
// waits for the other cameras' images within sync_tolerance), the fuser's
// lidar input is zero — which a fuser trained with modality dropout reads as
// "no lidar" — and the outputs carry the key image's stamp. A frame whose
// every camera is masked is dropped ("no usable camera"). The "mode" fact
// says which mode runs.
//
// A cloud whose lidar TF is missing, that is older than the last processed
// one, or that lies more than "cloud_sync_limit" seconds from every camera
// image is dropped with that reason.
//
// # Pipeline
//
// Camera branch: each image is resized and cropped to the encoder input as
// BEVDet does (scale to the input width, or by the card parameter
// image_resize, e.g. CUDA-BEVFusion's 0.48; keep the bottom rows, centre
// horizontally), the transform kept as a 3×3 image-augmentation matrix; the
// encoder (ONNX, card family "bev-camera") gives depth logits [N,D,fH,fW]
// and features [N,C,fH,fW] (card parameters depth_min, depth_max,
// depth_step give the bins, default 1, 60, 0.5 m; depth_logits 0 when the
// model already applies the softmax; frustum "linspace", the default, puts
// feature cell u at pixel u·(W−1)/(fW−1) as BEVFusion's create_frustum
// does, "pixel_centers" at the centre of the pixels it covers), and the
// node applies the softmax over depth. bev/lss lifts them into the grid:
// the frustum geometry (each
// camera's CameraInfo lens, augmentation matrix and TF extrinsics) is
// precomputed and rebuilt only when its fingerprint changes, and pooling is
// interval reduction. Lidar branch: pillar statistics per BEV cell
// (occupancy, maximum height above z_min, mean intensity). The fuser with
// heads (ONNX, card family "bev-fuser") takes "lidar_bev" [1,3,H,W] and,
// when it has one, "camera_bev" [1,C,H,W] (both [.., W, H] when the card's
// bev_layout is "xy", mmdet3d's order); its CenterPoint outputs (heatmap or
// score, reg, height, dim, rot, vel; heatmap_logits 0 when the heatmap is
// already a probability) are decoded with bev/head and thinned with
// Scale-NMS (or CenterPoint's circle NMS: nms_radius is its min_radius per
// task, against the squared centre distance; nms_groups maps classes to
// tasks). A query-based head (TransFusion as CUDA-BEVFusion exports it:
// score [1,K,N], reg or center [1,2,N] in head cells, height, dim, rot, vel
// [1,C,N]) is recognised by its three-dimensional score and needs the card
// parameter head_cell_size (m per head cell). A fuser card's modes lists
// the modes it was trained for (fused, lidar_only, camera_only); run in
// another, the node says so once on the log and in the fuser_modes fact of
// /diagnostics (a camera-only fuser fed a lidar does worse than a pair
// trained with one). A fuser with a "prev_camera_bev" input (BEVDet4D) gets the
// previous frame's camera BEV warped into the current ego frame by the
// odom←base_link motion between the two stamps (bev/warp); the first frame,
// a gap over temporal_max_gap or missing odom TF repeat the current one.
//
// Each camera is placed at its image's stamp in base_link at the cloud's
// stamp through odom TF (camera_motion_compensation), so the ego motion
// between the two stamps does not shift the lifted features. That motion
// is snapped to a fixed 1 cm lattice (5 cm for the IPM image), so the
// geometry is not rebuilt for odometry noise while every output still
// depends on its own frame alone, not on which frames came before.
//
// Clouds with a per-point time field are de-skewed to the stamp with odom TF
// (bev/pillar.Deskew); for camera encoders with a "depth" input
// (CUDA-BEVFusion) the node projects the lidar points into each camera's
// network input as a sparse depth image (bev/pillar.DepthImage).
//
// Without models the node still publishes the lidar occupancy grid, the BEV
// semantic image and the IPM image, for calibration checks.
//
// # Outputs
//
// Under the node's name (~/detections is /<namespace>/bevfusion/detections
// for the node named bevfusion):
// ~/detections (vision_msgs/Detection3DArray, base_link, the
// cloud's stamp), ~/markers (CUBE per box coloured by class, TEXT
// label, ARROW velocity), ~/occupancy (nav_msgs/OccupancyGrid,
// origin at the grid's lower corner in base_link: from a fuser with an
// "occupancy" output [1,1,rows,cols] (logits unless the card's
// occupancy_logits is 0) its probability in percent, 0–100; without one the
// lidar's, 100 occupied, 0 observed free, −1 unknown), ~/bev_image (rgb8, row 0 at y = y_min, column 0 at
// x = x_min: lidar occupancy in grey, the fuser's map segmentation output
// "seg" [1,S,rows,cols] over the grid's extent when it has one, detection
// footprints in their class colours), ~/ipm (rgb8, the cameras stitched on the flat ground
// z = ipm.ground_z by bev/ipm; forward at the top by default). Per-stage
// latencies and the facts named above go to the node's Stats for
// /diagnostics.
//
// # Run-time parameters
//
// score_threshold, top_k, the NMS settings (nms, nms_iou, nms_scale,
// nms_radius, nms_groups, max_detections), sync_tolerance, max_wait,
// cloud_sync_limit, obstacle_height and temporal_max_gap change from the next
// frame (ros2 param set); their ranges are the schema's. Topics, frames,
// models, providers, the grid and the IPM set-up are read once at start, and
// a set of one is refused with the reason.
package bevfusionnode
