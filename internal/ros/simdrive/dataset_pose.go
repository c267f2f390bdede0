package simdrive

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/preprocess"
	"gonum.org/v1/gonum/spatial/r3"
	"gopkg.in/yaml.v3"
)

// PoseDatasetConfig configures WritePoseDataset.
type PoseDatasetConfig struct {
	Config
	// MinVisible is the fewest visible keypoints a person needs to be kept.
	MinVisible int
	// MinHeight is the smallest person box height kept, pixels.
	MinHeight float64
	// DetectorSize is the square letterbox size of the detector images.
	DetectorSize int
	// MaxBoxes caps the boxes stored per detector image.
	MaxBoxes int
	// Every keeps one camera frame in Every.
	Every int
}

// WritePoseDataset simulates camera frames and writes two training sets to
// dir. Top-down pose: crops.npy [N,3,256,192] uint8 RGB crops cut as the
// pose node cuts them (box ×1.25, aspect kept) and keypoints.npy [N,17,3]
// float32 (x, y in crop pixels, COCO visibility). Person detection:
// images.npy [M,3,S,S] uint8 letterboxed frames and boxes.npy [M,B,5]
// float32 (x1, y1, x2, y2 in letterbox pixels, 1 for a real box, 0 for
// padding). meta.yaml records the layout.
func WritePoseDataset(ctx context.Context, cfg PoseDatasetConfig, dir string, progress io.Writer) (crops, frames int, err error) {
	if err := cfg.defaults(); err != nil {
		return 0, 0, err
	}
	if cfg.MinVisible == 0 {
		cfg.MinVisible = 6
	}
	if cfg.MinHeight == 0 {
		cfg.MinHeight = 40
	}
	if cfg.DetectorSize == 0 {
		cfg.DetectorSize = 320
	}
	if cfg.MaxBoxes == 0 {
		cfg.MaxBoxes = 64
	}
	if cfg.Every <= 0 {
		cfg.Every = 1
	}
	cfg.Crowd = true // people along the route, at useful scales
	world, rig, _, err := setup(cfg.Config)
	if err != nil {
		return 0, 0, err
	}
	if len(rig.Cameras) == 0 {
		return 0, 0, fmt.Errorf("simulate: a pose dataset needs cameras")
	}
	raw := preprocess.Norm{Std: [3]float32{1, 1, 1}} // pixel values as they are
	cropper, err := preprocess.NewCropper(preprocess.CropConfig{Norm: raw})
	if err != nil {
		return 0, 0, err
	}
	lb, err := preprocess.NewLetterbox(preprocess.LetterboxConfig{Size: cfg.DetectorSize, Norm: raw})
	if err != nil {
		return 0, 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	cw, ch := cropper.Size()
	S := cfg.DetectorSize
	files := map[string]*npy.Writer{}
	open := func(name, dtype string, shape ...int) error {
		w, err := npy.Create(filepath.Join(dir, name), dtype, shape...)
		files[name] = w
		return err
	}
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
	}{{"crops.npy", "uint8", []int{3, ch, cw}}, {"keypoints.npy", "float32", []int{pose.NumKeypoints, 3}},
		{"images.npy", "uint8", []int{3, S, S}}, {"boxes.npy", "float32", []int{cfg.MaxBoxes, 5}}} {
		if err := open(f.name, f.dtype, f.shape...); err != nil {
			return 0, 0, err
		}
	}
	crop := make([]float32, cropper.TensorLen(1))
	cropU8 := make([]uint8, len(crop))
	lbuf := make([]float32, lb.TensorLen())
	lbU8 := make([]uint8, len(lbuf))
	kps := make([]float32, pose.NumKeypoints*3)
	boxes := make([]float32, cfg.MaxBoxes*5)
	xf := make([]pose.Affine, 1)
	toU8 := func(dst []uint8, src []float32) {
		for i, v := range src {
			dst[i] = uint8(math.Round(float64(min(max(v, 0), 255))))
		}
	}
	for k := 0; float64(k)/cfg.CameraHz <= cfg.Duration+1e-9; k += cfg.Every {
		t := float64(k) / cfg.CameraHz
		for _, cam := range rig.Cameras {
			if err := ctx.Err(); err != nil {
				return crops, frames, err
			}
			fr := world.Render(cam, t, sim.RenderOptions{})
			img := &imageconv.RGB{Width: cam.Model.Width, Height: cam.Model.Height, Pix: fr.RGB}
			people := world.PersonsGT(cam, t, 0)
			xfl, err := lb.Run(img, lbuf)
			if err != nil {
				return crops, frames, err
			}
			for i := range boxes {
				boxes[i] = 0
			}
			nb := 0
			for _, g := range people {
				if g.Class != sim.ClassPerson || g.NumVisible == 0 {
					continue
				}
				box := [4]float32{float32(g.Box[0]), float32(g.Box[1]), float32(g.Box[2]), float32(g.Box[3])}
				if nb < cfg.MaxBoxes {
					x1, y1 := xfl.Apply32(box[0], box[1])
					x2, y2 := xfl.Apply32(box[2], box[3])
					copy(boxes[5*nb:], []float32{x1, y1, x2, y2, 1})
					nb++
				}
				if g.NumVisible < cfg.MinVisible || g.Box[3]-g.Box[1] < cfg.MinHeight {
					continue
				}
				if err := cropper.Run(img, [][4]float32{box}, crop, xf); err != nil {
					return crops, frames, err
				}
				for j, kp := range g.Keypoints {
					x, y := xf[0].Apply(kp.U, kp.V)
					kps[3*j], kps[3*j+1], kps[3*j+2] = float32(x), float32(y), float32(kp.Visibility)
				}
				toU8(cropU8, crop)
				if err := files["crops.npy"].WriteUint8(cropU8); err != nil {
					return crops, frames, err
				}
				if err := files["keypoints.npy"].WriteFloat32(kps); err != nil {
					return crops, frames, err
				}
				crops++
			}
			toU8(lbU8, lbuf)
			if err := files["images.npy"].WriteUint8(lbU8); err != nil {
				return crops, frames, err
			}
			if err := files["boxes.npy"].WriteFloat32(boxes); err != nil {
				return crops, frames, err
			}
			frames++
		}
		if progress != nil && k%(12*cfg.Every) == 0 {
			fmt.Fprintf(progress, "dataset pose: t=%.1f s, %d crops, %d frames\n", t, crops, frames)
		}
	}
	meta := map[string]any{"kind": "pose", "seed": cfg.Seed, "crops": crops, "frames": frames,
		"crop": map[string]any{"width": cw, "height": ch, "padding": 1.25}, "detector_size": S,
		"keypoints": pose.KeypointNames[:], "camera": map[string]any{"width": cfg.Width, "height": cfg.Height, "rig": cfg.Cameras}}
	rawMeta, err := yaml.Marshal(meta)
	if err != nil {
		return crops, frames, err
	}
	return crops, frames, os.WriteFile(filepath.Join(dir, "meta.yaml"), rawMeta, 0o644)
}

// crowdedWorld is the world of cfg's seed with extra people placed along
// the ego's route, 4–16 m ahead of where the ego will be, in varied poses
// and sizes, so that a pose training set sees people at useful scales.
// With cfg.CrowdSize the crowd is viewCrowd's instead.
func crowdedWorld(cfg Config) (*sim.World, error) {
	base, err := sim.NewWorld(sim.WorldConfig{Seed: cfg.Seed, NumPedestrians: cfg.Pedestrians})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x706f7365))
	var extra []sim.PedestrianSpec
	if cfg.CrowdSize > 0 {
		extra = viewCrowd(base, cfg, rng)
	} else {
		for t := 0.0; t <= cfg.Duration; t += 0.5 {
			ego := base.EgoPose(t)
			for i := 0; i < 3; i++ {
				fwd := 4 + 12*rng.Float64()
				lat := -5 + 10*rng.Float64()
				extra = append(extra, crowdPerson(rng, ego.Apply(r3.Vec{X: fwd, Y: lat})))
			}
		}
	}
	return sim.NewWorld(sim.WorldConfig{Seed: cfg.Seed, NumPedestrians: cfg.Pedestrians, ExtraPedestrians: extra})
}

// viewCrowd places cfg.CrowdSize people every half second of drive, 5–20 m
// ahead of where the ego will be and within ±30° of its heading, so they
// spread across a forward camera's view (70° wide) rather than hide behind
// each other; the placements run 2 s past the drive's end so its last
// frames see as many as its first. 10 a half second give a 640×480 front
// camera at least 30 people a frame (TestCrowdSize).
func viewCrowd(base *sim.World, cfg Config, rng *rand.Rand) []sim.PedestrianSpec {
	var extra []sim.PedestrianSpec
	for t := 0.0; t <= cfg.Duration+2; t += 0.5 {
		ego := base.EgoPose(t)
		for i := 0; i < cfg.CrowdSize; i++ {
			fwd := 5 + 15*rng.Float64()
			lat := fwd * math.Tan((-30+60*rng.Float64())*math.Pi/180)
			extra = append(extra, crowdPerson(rng, ego.Apply(r3.Vec{X: fwd, Y: lat})))
		}
	}
	return extra
}

// crowdPerson is a person of the crowd at p (map frame), facing, doing and
// as tall as rng says.
func crowdPerson(rng *rand.Rand, p r3.Vec) sim.PedestrianSpec {
	acts := []sim.Activity{sim.ActivityStanding, sim.ActivityWalking, sim.ActivityRunning, sim.ActivitySitting, sim.ActivityWaving}
	return sim.PedestrianSpec{Position: r3.Vec{X: p.X, Y: p.Y}, Yaw: 2 * math.Pi * rng.Float64(),
		Activity: acts[rng.IntN(len(acts))], Height: 1.5 + 0.45*rng.Float64()}
}
