package simdrive

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/lidarseg"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/draw"
)

// WritePreview writes pictures of the world at time t for people: the
// range image coloured by ground-truth label, each camera's frame with the
// ground-truth skeletons drawn, and the BEV ground truth. It returns the
// files written.
func WritePreview(cfg Config, lm *lidarseg.LabelMap, t float64, dir string) ([]string, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	world, err := sim.NewWorld(sim.WorldConfig{Seed: cfg.Seed, NumPedestrians: cfg.Pedestrians})
	if err != nil {
		return nil, err
	}
	rig, err := Rig(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Cameras == "none" {
		rig.Cameras = nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	save := func(name string, img *imageconv.RGB) error {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := png.Encode(f, img.ToImage()); err != nil {
			f.Close()
			return err
		}
		files = append(files, p)
		return f.Close()
	}

	// Range image by label (HDL-64E projection, upscaled ×3 vertically).
	lc, err := lidarConfig(cfg)
	if err != nil {
		return nil, err
	}
	lidar, err := sim.NewLidar(lc)
	if err != nil {
		return nil, err
	}
	sw := world.LidarSweep(lidar, rig.LidarMount, t)
	pc, _ := lidarseg.PresetConfig("hdl64e")
	proj, err := lidarseg.NewProjector(pc)
	if err != nil {
		return nil, err
	}
	var cl lidarseg.Cloud
	for _, p := range sw.Points {
		cl.X, cl.Y, cl.Z = append(cl.X, p.X), append(cl.Y, p.Y), append(cl.Z, p.Z)
	}
	pr, err := proj.Project(cl, nil)
	if err != nil {
		return nil, err
	}
	const sy = 3
	ri := &imageconv.RGB{Width: pr.Width, Height: pr.Height * sy, Pix: make([]uint8, 3*pr.Width*pr.Height*sy)}
	for v := 0; v < pr.Height; v++ {
		for u := 0; u < pr.Width; u++ {
			pt := pr.PixelPoint[v*pr.Width+u]
			if pt < 0 {
				continue
			}
			col := lm.ClassColour(lm.Class(uint32(sw.Labels[pt])))
			for k := 0; k < sy; k++ {
				copy(ri.Pix[3*((v*sy+k)*pr.Width+u):], col[:])
			}
		}
	}
	if err := save("range_labels.png", ri); err != nil {
		return files, err
	}

	for _, c := range rig.Cameras {
		fr := world.Render(c, t, sim.RenderOptions{})
		img := &imageconv.RGB{Width: c.Model.Width, Height: c.Model.Height, Pix: fr.RGB}
		for _, g := range world.PersonsGT(c, t, 0) {
			p := pose.Person{Box: [4]float32{float32(g.Box[0]), float32(g.Box[1]), float32(g.Box[2]), float32(g.Box[3])}, Score: 1}
			for _, k := range g.Keypoints {
				p.Keypoints = append(p.Keypoints, pose.Keypoint{X: float32(k.U), Y: float32(k.V), Score: 1, Visibility: k.Visibility})
			}
			draw.Person(img, &p, draw.ForID(uint64(g.Instance)), draw.Style{Box: true, MinScore: 0.5})
		}
		if err := save(fmt.Sprintf("camera_%s.png", CameraName(c)), img); err != nil {
			return files, err
		}
	}

	g, err := world.BEV(t, sim.BEVConfig{})
	if err != nil {
		return files, err
	}
	// Top-down picture: x (forward) up, y (left) to the left, as people
	// expect a map of the road ahead.
	bev := &imageconv.RGB{Width: g.Size, Height: g.Size, Pix: make([]uint8, 3*g.Size*g.Size)}
	for r := 0; r < g.Size; r++ {
		for c := 0; c < g.Size; c++ {
			i := r*g.Size + c
			col := lm.ClassColour(lm.Class(uint32(g.Class[i])))
			if g.Occupied[i] == 0 {
				col = [3]uint8{col[0] / 3, col[1] / 3, col[2] / 3}
			}
			px := (g.Size - 1 - r) // y left → image left
			py := (g.Size - 1 - c) // x forward → image up
			copy(bev.Pix[3*(py*g.Size+px):], col[:])
		}
	}
	return files, save("bev_ground_truth.png", bev)
}
