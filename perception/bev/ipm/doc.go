// Package ipm stitches the cameras of a rig into a top-down image by
// inverse perspective mapping: every BEV cell is taken as a point on the
// flat ground plane z = GroundZ in base_link, projected into each camera
// and the image sampled there. It needs no network; it shows what the
// cameras see from above and makes calibration errors visible (lane
// markings that break at camera seams).
//
// NewMapper precomputes, per cell, every camera that sees the ground point
// (optical depth ≥ MinDepth, ray inside the field of view given by
// bev.Camera.MaxRadius2, projection inside the original image) with
// its sub-pixel position and a centrality score (squared distance from the
// principal point, normalised by the image size). Mapper.Render then
// samples rgb8 images bilinearly (pixel centres at integer coordinates,
// neighbours clamped to the image) and blends: BlendCentral takes the
// camera with the most central view that has an image this frame,
// BlendAverage the mean of all that have one. Cells no camera sees are
// black. Points above the ground are smeared, as IPM always does.
//
// The output follows Config.Orientation: OrientGrid has the grid's own
// order (Width()×Height() pixels, row j = y index, column i = x index, as
// OccupancyGrid data, so row 0 is the right-hand edge), OrientForwardUp is
// a picture for people (Height() columns × Width() rows, forward at the
// top, left at the left).
package ipm
