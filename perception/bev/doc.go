// Package bev defines the bird's-eye-view grid shared by gopercept's BEV
// code: the lift-splat camera pooling (bev/lss), lidar pillars (bev/pillar),
// temporal alignment (bev/warp), inverse perspective mapping (bev/ipm), the
// detection head decoder and the bevfusion node.
//
// # Frame and axes
//
// A Grid lives in base_link (REP-103: x forward, y left, z up), in metres.
// It covers x in [XMin, XMin+W·Resolution) and y in [YMin, YMin+H·Resolution)
// where W = Width() is the number of cells along x and H = Height() the
// number along y.
//
// # Cell indexing (the OccupancyGrid convention)
//
// Column i counts along +x, row j counts along +y:
//
//	i = ⌊(x − XMin) / Resolution⌋,  0 ≤ i < W
//	j = ⌊(y − YMin) / Resolution⌋,  0 ≤ j < H
//	index = j·W + i  (row-major, x fastest)
//
// Cells are half-open: a point exactly on the lower edge belongs to the cell,
// a point on the upper edge to the next one; a point with x = XMin + W·Res is
// outside. NaN and ±Inf coordinates are outside. The centre of cell (i, j) is
// (XMin + (i+½)·Resolution, YMin + (j+½)·Resolution).
//
// This is exactly nav_msgs/OccupancyGrid's layout with
// info.resolution = Resolution, info.width = W, info.height = H and
// info.origin = pose (XMin, YMin, 0) with identity orientation in
// base_link: the origin is the lower-left (−x, −y) corner of cell (0, 0) and
// data[j·W + i] is the cell i along x, j along y. A feature map [C, H, W]
// (channel-major, "CHW") uses the same index for each channel plane:
// element c·H·W + j·W + i.
//
// Drawn as an image with row 0 at the top, row 0 is the rightmost strip of
// the vehicle (y = YMin) and x grows to the right; rviz2 shows the
// OccupancyGrid the right way round because it applies the origin pose.
// Some exported models (mmdet3d / BEVFusion) store their BEV tensors the
// other way, [C, W, H] with x along rows; see Layout.
//
// # Cameras
//
// Camera describes one camera of a rig for all BEV code: original image
// size and intrinsics, a Lens (camera.Model, or the Pinhole of the
// intrinsics), the image augmentation the network input went through
// (BEVDet's post-rotation/translation as a 3×3 matrix from original pixels
// to input pixels, see ResizeCrop), and the extrinsic base_link←optical
// frame as a row-major 4×4 (tf.Transform.ToMatrix). Pixel coordinates put
// pixel centres at integers (OpenCV). Fingerprint hashes a rig so that
// precomputed geometry is rebuilt only when calibration or static TF
// changes, and MaxRadius2 bounds the field of view so that projections
// reject rays a distortion polynomial would fold back into the image.
package bev
