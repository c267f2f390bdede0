// Package sim is a synthetic driving world with exact ground truth, in pure Go
// and free of ROS types.
//
// A World is generated deterministically from a seed: a town grid of blocks
// with roads (lane markings as their own material), raised sidewalks with
// 0.15 m curbs, buildings, fences, vegetation, terrain, poles, traffic signs,
// parked and moving cars and trucks, cyclists and articulated pedestrians.
// Every primitive carries a SemanticKITTI raw class id, an instance id and a
// Material.
//
// Frames follow REP-103: x forward, y left, z up, metres. The map frame has
// the ground at z = 0. Time t is in seconds from the start of the simulation.
//
// Sensors:
//   - Lidar: a spinning multi-beam model (HDL-64E, OS1-128 and HDL-32E-like
//     presets) with per-firing ego and actor motion, range noise, dropouts
//     and intensity (World.LidarSweep).
//   - Camera: a pinhole model with plumb_bob distortion rendered by ray
//     casting with sun shading, shadows and a sky gradient, with optional
//     depth and label images (World.RenderRGB, World.Render).
//
// Ground truth: projected COCO-17 keypoints with visibility and person boxes
// per camera (World.PersonsGT), 3D boxes in base_link (World.Boxes3D) and a
// BEV occupancy/semantic grid centred on base_link (World.BEV).
//
// Ray casting uses a bounding volume hierarchy over the static primitives and
// a small per-snapshot hierarchy over the moving actors; no allocation
// happens per ray.
package sim
