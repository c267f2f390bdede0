package testfix

import (
	"math"

	"github.com/gopercept/gopercept/perception/bev"
)

// NuScenesRig returns six 1600×900 cameras around the vehicle, resized by
// 0.48 and cropped to 704×256 as CUDA-BEVFusion does: with lss's default
// Config it is BEVFusion's pooling workload, 6×118×32×88 frustum points
// (1.59 M kept) into 256² cells. Tests and benchmarks of the BEV packages
// share it, so a figure measured on one is comparable with another's.
func NuScenesRig() []bev.Camera {
	cams := make([]bev.Camera, 6)
	yaws := []float64{0, -55, 55, 180, -110, 110}
	for i := range cams {
		psi := yaws[i] * math.Pi / 180
		cams[i] = bev.Camera{
			Name: "CAM", Width: 1600, Height: 900, Fx: 1260, Fy: 1260, Cx: 800, Cy: 450,
			Aug:       bev.ResizeCrop(0.48, 0.48, 32, 176),
			Extrinsic: OpticalExtrinsic(psi, 0, 1.5*math.Cos(psi), 0.5*math.Sin(psi), 1.6),
		}
	}
	cams[3].Fx, cams[3].Fy = 800, 800 // the rear camera is wider
	return cams
}

// OpticalExtrinsic returns base_link←optical (row-major 4×4) for a camera
// at (tx, ty, tz) looking along yaw psi (rad, from +x towards +y) and
// pitched down by pitch (rad), with REP-103's optical axes: x right, y
// down, z forward.
func OpticalExtrinsic(psi, pitch, tx, ty, tz float64) [16]float64 {
	cp, sp := math.Cos(pitch), math.Sin(pitch)
	// Camera body axes after the pitch: forward f, left l, up = f × l.
	f := [3]float64{math.Cos(psi) * cp, math.Sin(psi) * cp, -sp}
	l := [3]float64{-math.Sin(psi), math.Cos(psi), 0}
	up := [3]float64{f[1]*l[2] - f[2]*l[1], f[2]*l[0] - f[0]*l[2], f[0]*l[1] - f[1]*l[0]}
	return [16]float64{
		-l[0], -up[0], f[0], tx,
		-l[1], -up[1], f[1], ty,
		-l[2], -up[2], f[2], tz,
		0, 0, 0, 1,
	}
}
