// Package warp aligns the previous BEV feature map with the current ego
// frame, BEVDet4D's spatial alignment.
//
// Given the ego motion now←prev (EgoMotion of odom←base_link at the two
// stamps), every cell of the current grid is mapped to where the same
// ground point was in the previous base_link, and the previous map is
// sampled there bilinearly. Cell values are taken to sit at cell centres;
// the four neighbours of the sample point are weighted by area, and a
// neighbour outside the grid contributes 0 (torch grid_sample with
// padding_mode "zeros", align_corners=False, in metric terms). Only the
// planar part of the motion matters: the current cell centre is taken at
// z = 0 and the sample's z is ignored.
//
// A sample within 1e-6 cell of a cell centre is snapped to it, so a
// translation by whole cells or a rotation by a multiple of 90° about the
// grid centre shifts values exactly.
package warp
