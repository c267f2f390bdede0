package simdrive

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/pose"
	"gonum.org/v1/gonum/spatial/r3"
	"gopkg.in/yaml.v3"
)

// LiftDatasetConfig configures WriteLiftDataset.
type LiftDatasetConfig struct {
	Config
	// MinLabelled is the fewest keypoints inside the image a person needs
	// to be kept (both hips among them: the lift is root-relative).
	MinLabelled int
	// MinHeight is the smallest person box height kept, pixels.
	MinHeight float64
	// Every keeps one camera frame in Every.
	Every int
}

// Lift dataset column counts, as meta.yaml names them.
const (
	liftCameraCols = 10 // fx, fy, cx, cy, width, height, camera height above the ground, up (3) in the optical frame
	liftTrackCols  = 4  // camera index, frame index, instance, class
)

// WriteLiftDataset simulates the people of camera frames (no rendering: the
// ground truth only) and writes a 2D→3D lifting training set to dir, one
// row per person per frame:
//
//	kp2d.npy   [N,17,3] float32  u, v (distorted pixels), COCO visibility
//	norm2d.npy [N,17,2] float32  undistorted normalised coordinates (X/Z, Y/Z)
//	kp3d.npy   [N,17,3] float32  joints in the camera's optical frame, metres
//	camera.npy [N,10]   float32  fx, fy, cx, cy, width, height, the camera
//	                             centre's height above the ground (m) and the
//	                             ground's up direction in the optical frame
//	track.npy  [N,4]    int32    camera index, frame index, instance id, class
//
// Rows are in frame order, so a person's frames (same camera and instance)
// form the sequences a temporal lifter trains on. meta.yaml records the
// layout and seed.
func WriteLiftDataset(ctx context.Context, cfg LiftDatasetConfig, dir string, progress io.Writer) (rows int, err error) {
	if err := cfg.defaults(); err != nil {
		return 0, err
	}
	if cfg.MinLabelled == 0 {
		cfg.MinLabelled = 8
	}
	if cfg.MinHeight == 0 {
		cfg.MinHeight = 24
	}
	if cfg.Every <= 0 {
		cfg.Every = 1
	}
	cfg.Crowd = true // people along the route, at useful scales
	world, rig, _, err := setup(cfg.Config)
	if err != nil {
		return 0, err
	}
	if len(rig.Cameras) == 0 {
		return 0, fmt.Errorf("simulate: a lift dataset needs cameras")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("simulate: lift dataset: %w", err)
	}
	K := pose.NumKeypoints
	files := map[string]*npy.Writer{}
	defer func() {
		for _, w := range files {
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
	}()
	for _, f := range []struct {
		name, dtype string
		shape       []int
	}{{"kp2d.npy", "float32", []int{K, 3}}, {"norm2d.npy", "float32", []int{K, 2}}, {"kp3d.npy", "float32", []int{K, 3}},
		{"camera.npy", "float32", []int{liftCameraCols}}, {"track.npy", "int32", []int{liftTrackCols}}} {
		w, err := npy.Create(filepath.Join(dir, f.name), f.dtype, f.shape...)
		if err != nil {
			return 0, fmt.Errorf("simulate: lift dataset: %w", err)
		}
		files[f.name] = w
	}
	kp2 := make([]float32, K*3)
	n2 := make([]float32, K*2)
	kp3 := make([]float32, K*3)
	camRow := make([]float32, liftCameraCols)
	trk := make([]int32, liftTrackCols)
	lh, rh := pose.KeypointIndex("left_hip"), pose.KeypointIndex("right_hip")
	for k := 0; float64(k)/cfg.CameraHz <= cfg.Duration+1e-9; k += cfg.Every {
		t := float64(k) / cfg.CameraHz
		for ci, cam := range rig.Cameras {
			if err := ctx.Err(); err != nil {
				return rows, err
			}
			m := &cam.Model
			cp := world.CameraPose(cam, t)
			// The ground is z = 0 of the map frame: the camera's height and
			// the up axis seen from the camera.
			up := cp.Inverse().Rotation.Rotate(r3.Vec{Z: 1})
			copy(camRow, []float32{float32(m.Fx), float32(m.Fy), float32(m.Cx), float32(m.Cy), float32(m.Width), float32(m.Height),
				float32(cp.Translation.Z), float32(up.X), float32(up.Y), float32(up.Z)})
			for _, g := range world.PersonsGT(cam, t, 0) {
				labelled := 0
				for _, kp := range g.Keypoints {
					if kp.Visibility != sim.VisNotLabelled {
						labelled++
					}
				}
				if labelled < cfg.MinLabelled || g.Box[3]-g.Box[1] < cfg.MinHeight ||
					g.Keypoints[lh].Visibility == sim.VisNotLabelled || g.Keypoints[rh].Visibility == sim.VisNotLabelled {
					continue
				}
				for j, kp := range g.Keypoints {
					kp2[3*j], kp2[3*j+1], kp2[3*j+2] = float32(kp.U), float32(kp.V), float32(kp.Visibility)
					n2[2*j], n2[2*j+1] = 0, 0
					if kp.Visibility != sim.VisNotLabelled {
						ray := m.Unproject(kp.U, kp.V)
						n2[2*j], n2[2*j+1] = float32(ray.X), float32(ray.Y)
					}
					p := g.KeypointsCam[j]
					kp3[3*j], kp3[3*j+1], kp3[3*j+2] = float32(p.X), float32(p.Y), float32(p.Z)
				}
				trk[0], trk[1], trk[2], trk[3] = int32(ci), int32(k), int32(g.Instance), int32(g.Class)
				for name, row := range map[string][]float32{"kp2d.npy": kp2, "norm2d.npy": n2, "kp3d.npy": kp3, "camera.npy": camRow} {
					if err := files[name].WriteFloat32(row); err != nil {
						return rows, fmt.Errorf("simulate: lift dataset %s: %w", name, err)
					}
				}
				if err := files["track.npy"].WriteInt32(trk); err != nil {
					return rows, fmt.Errorf("simulate: lift dataset track.npy: %w", err)
				}
				rows++
			}
		}
		if progress != nil && k%(12*cfg.Every) == 0 {
			fmt.Fprintf(progress, "dataset lift: t=%.1f s, %d people\n", t, rows)
		}
	}
	var cams []string
	for _, c := range rig.Cameras {
		cams = append(cams, CameraName(c))
	}
	meta := map[string]any{"kind": "lift", "seed": cfg.Seed, "rows": rows, "camera_hz": cfg.CameraHz, "every": cfg.Every,
		"keypoints": pose.KeypointNames[:], "cameras": cams, "camera": map[string]any{"width": cfg.Width, "height": cfg.Height, "rig": cfg.Cameras},
		"camera_columns": []string{"fx", "fy", "cx", "cy", "width", "height", "camera_height_m", "up_x", "up_y", "up_z"},
		"track_columns":  []string{"camera", "frame", "instance", "class"},
		"classes":        map[string]int{"person": int(sim.ClassPerson), "bicyclist": int(sim.ClassBicyclist)}}
	raw, err := yaml.Marshal(meta)
	if err != nil {
		return rows, err
	}
	return rows, os.WriteFile(filepath.Join(dir, "meta.yaml"), raw, 0o644)
}

// World returns the world and camera rig a drive of cfg simulates (with
// Crowd, the people placed along the route), for tests that need the
// simulator's ground truth without a bag.
func World(cfg Config) (*sim.World, *sim.Rig, error) {
	if err := cfg.defaults(); err != nil {
		return nil, nil, err
	}
	w, rig, _, err := setup(cfg)
	return w, rig, err
}
