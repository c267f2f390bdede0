// Package head decodes CenterPoint-style bird's-eye-view detection heads into
// 3D boxes and thins them with rotated-box non-maximum suppression.
//
// The decoder reads plain float32 tensors laid out channel-major ([C,H,W],
// rows along +y, columns along +x of the BEV grid): a per-class heatmap, the
// sub-cell centre offset (reg), the centre height, the log-size (l, w, h),
// the yaw as (sin, cos) and optionally the velocity. Peaks are cells that
// are the maximum of their 3×3 neighbourhood (CenterPoint's max-pool NMS);
// the best TopK above the score threshold become boxes in the grid's frame
// (base_link for the bevfusion node), with
//
//	x = (column + reg_x) · stride · resolution + min_x
//	y = (row + reg_y) · stride · resolution + min_y
//	yaw = atan2(sin, cos), size = exp(dim)
//
// Query-based heads (TransFusion, as CUDA-BEVFusion exports it) give N
// proposals instead of a dense map: [K,N] scores, the centre in head cells
// (query position plus offset) and the same box channels as [C,N];
// DecodeProposals takes each proposal's best class and needs no peak
// finding.
//
// NMS suppresses boxes by their exact bird's-eye-view IoU (the intersection
// polygon of two rotated rectangles), optionally after BEVDet's Scale-NMS
// (per-class factors on the box footprint, so that tiny objects such as
// pedestrians and cones overlap measurably), or by centre distance
// (CenterPoint's circle NMS: squared distance against min_radius, per task
// group). Nothing here knows ROS.
package head
