// Package pillar turns a lidar sweep into BEV inputs: pillar statistics on
// a bev.Grid, the sparse per-camera depth images that CUDA-BEVFusion's
// camera encoder takes, and de-skewing of a sweep by per-point time.
//
// All points are float32 arrays in base_link (or, for Deskew, in the lidar
// frame) in metres, one array per coordinate, as pointcloud accessors give
// them; NaN coordinates are skipped everywhere.
//
// # Pillars
//
// Pillarizer.Run bins the points with ZMin ≤ z < ZMax into the grid cells
// (see package bev for the indexing) and writes NumChannels planes
// [NumChannels, cells] in the grid's Layout:
//
//	ChanCount          number of points in the cell
//	ChanMaxZ           highest z, m
//	ChanMeanZ          mean z, m
//	ChanMeanIntensity  mean intensity (as given; 0 when intensity is nil)
//	ChanOccupancy      1 if the cell has a point, else 0
//
// Empty cells are 0 in every channel.
//
// # Sparse depth
//
// DepthImage projects the points into each camera of a rig through the
// inverse extrinsic, the camera's Lens and its augmentation matrix, and
// keeps the nearest depth (optical-axis z, m) per network-input pixel,
// 0 where no point falls: [Ncam, 1, H, W], the `depth` input of
// CUDA-BEVFusion's camera backbone. A point lands in pixel
// (⌊u+½⌋, ⌊v+½⌋), pixel centres being at integer coordinates.
//
// # De-skewing
//
// Deskew moves every point from the sensor pose at its own time to the
// sensor pose at the reference time (usually the sweep end) with a
// Motion, typically built from tf.Buffer.LookupFull(lidar, tEnd, lidar,
// t, "odom"). It samples the motion at a few knots and interpolates
// between them, so it costs a handful of TF lookups per sweep.
package pillar
