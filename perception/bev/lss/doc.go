// Package lss is the camera-to-BEV view transform of Lift-Splat-Shoot with
// BEVFusion's two speedups: precomputed geometry and interval-reduction
// pooling.
//
// # Geometry (once per calibration)
//
// NewGeometry takes the rig ([]bev.Camera, any number from 1 to MaxCameras)
// and a Config and lifts every frustum point: for camera n, depth bin k and
// feature cell (u, v) of the fH×fW feature map it
//
//  1. takes the feature cell's position in the network input image, px
//     (Config.Sampling: the cell centre by default, or BEVFusion's and
//     BEVDet's linspace over [0, InputWidth−1], checked against BEVFusion's
//     create_frustum in testdata/frustum_golden.json; the bevfusion node
//     reads it from the encoder card's frustum parameter, linspace unless
//     the card says pixel_centers),
//  2. maps it through the inverse of the camera's augmentation matrix
//     (bev.Camera.Aug) to a pixel of the original image,
//  3. undistorts it with the camera's lens to a ray (x, y, 1) in the
//     optical frame,
//  4. scales the ray to depth z = DepthMin + k·DepthStep (depth along the
//     optical axis, as LSS and BEVDet do),
//  5. maps the point to base_link with bev.Camera.Extrinsic,
//  6. keeps it if ZMin ≤ z < ZMax and its (x, y) falls in the bev.Grid.
//
// Kept points are sorted by BEV cell (a stable counting sort, so inside a
// cell they stay in (n, k, v, u) order), and runs of equal cells become
// Intervals. Each kept point keeps its index into the depth tensor
// [Ncam, D, fH, fW], from which Geometry.Source recovers (n, k, v, u); the
// feature element is then feat[n, c, v, u] of [Ncam, C, fH, fW].
// bev.Fingerprint over the cameras and the Config tells when to recompute.
//
// # Pooling (every frame)
//
// Pooler.Pool computes, for each cell and channel c,
//
//	out[c, cell] = Σ_{points p of the cell} depth[n_p, k_p, v_p, u_p] · feat[n_p, c, v_p, u_p]
//
// one interval at a time, never building the D×C outer product. Work is
// split into chunks of contiguous cells balanced by point count and run by
// persistent worker goroutines; each output element is written exactly once
// (cells without points get 0), so no clearing or atomics are needed. The
// features are first transposed into a channels-last scratch buffer, column
// by column ([Ncam, fW, fH, C]), so each point reads C contiguous floats and
// the rows of one image column — the points of a cell, for a level camera —
// lie together; cells are reduced in tiles of 4 rows × 64 cells so that a
// column is reused by the cells of a tile its rays cross. Where the points
// lie scattered over the depth tensor (no real rig's do) their weights are
// first gathered into point order. On amd64 with AVX2 and FMA the sums run
// in 8-lane assembly kernels holding up to 80 channels in registers, and
// each block of pooled cells goes into the output planes as 8×8 transposed
// tiles with non-temporal stores; the build tag purego, or a CPU without
// AVX2/FMA, selects the portable Go loops, which the tests also check.
// Pool allocates nothing.
//
// ScatterAdd is the straightforward reference: a scatter-add of every
// frustum point into its cell, in tensor order. Tests check Pool against it
// and benchmarks compare the two.
//
// The output layout follows Config.Layout: bev.LayoutYX is [C, H, W] as an
// OccupancyGrid (see package bev), bev.LayoutXY is mmdet3d's [C, W, H].
//
// SoftmaxDepth (or Pooler.SoftmaxDepth, on the pooling workers) turns raw
// depth logits [Ncam, D, fH, fW] into depth probabilities in place.
//
// # Ego motion (every frame)
//
// With ego-motion compensation each camera is moved every frame by the
// vehicle's motion between its image's stamp and the cloud's. A full
// rebuild (Builder) lifts and sorts every point again; MovingGeometry lifts
// the rig once per calibration and Move re-places each camera's run of
// points per cell as a whole through its motion, so only the intervals
// change (about a millisecond for BEVFusion's rig). Its result is within a
// stated bound of the rebuild's — under res/√2 plus a tilt term, at most a
// cell in each axis — and exact for translations by whole cells; see
// MovingGeometry.
//
// Lifter bundles the three for a node: it keeps the Geometry and Pooler of
// the last rig and rebuilds them only when Fingerprint changes. A camera
// that is missing in a frame is masked by zeroing its depth slab; its
// geometry stays.
package lss
