package simdrive

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/lss"
	"github.com/gopercept/gopercept/perception/lidarseg"
	"gonum.org/v1/gonum/spatial/r3"
	"gopkg.in/yaml.v3"
)

// BEVDatasetConfig configures WriteBEVDataset.
type BEVDatasetConfig struct {
	Config
	LabelMap *lidarseg.LabelMap // raw ids → class indices for the semantic grid
	Every    int                // keep one lidar sweep time in Every
	MaxBoxes int                // boxes stored per sample; default 64
	// Classes names the box classes in order; a box of another class is
	// left out. Default car, truck, person, bicyclist.
	Classes []string
}

// WriteBEVDataset writes the multi-camera training layout to dir, one
// sample per kept lidar sweep time: images.npy [N,C,3,H,W] uint8 RGB
// rendered at the network's input size (no resize or crop, so the image
// augmentation is the identity), intrinsics.npy [N,C,3,3] and
// extrinsics.npy [N,C,4,4] (base_link ← camera optical frame) float32,
// points.npy [N,P,4] float32 lidar points in base_link (x, y, z,
// intensity; de-skewed to the sweep's start; padded with zeros, count in npoints.npy [N] int32 as float32),
// occupancy.npy [N,G,G] uint8, semantic.npy [N,G,G] uint8 class indices,
// boxes.npy [N,B,10] float32 (x, y, z, l, w, h, yaw, vx, vy, class; class
// −1 pads), all in base_link at the sample's time. frustum_cells.npy
// [C,D,H/16,W/16] int32 is the rig's lift geometry as the bevfusion node
// computes it (bev/lss with its default depth bins, 1–60 m by 0.5 m, the
// node's default grid and height band): the grid cell of every frustum
// point, −1 when it falls outside, so a trainer pools exactly as the node
// does. meta.yaml records it.
func WriteBEVDataset(ctx context.Context, cfg BEVDatasetConfig, dir string, progress io.Writer) (int, error) {
	if err := cfg.defaults(); err != nil {
		return 0, err
	}
	if cfg.Every <= 0 {
		cfg.Every = 1
	}
	if cfg.MaxBoxes <= 0 {
		cfg.MaxBoxes = 64
	}
	if len(cfg.Classes) == 0 {
		cfg.Classes = []string{"car", "truck", "person", "bicyclist"}
	}
	world, rig, lidar, err := setup(cfg.Config)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	nc := len(rig.Cameras)
	W, H := cfg.Width, cfg.Height
	if W == 0 {
		W, H = 704, 256
	}
	const maxPoints = 64 * 2048
	g0, err := world.BEV(0, sim.BEVConfig{})
	if err != nil {
		return 0, err
	}
	G := g0.Size
	files := map[string]*npy.Writer{}
	specs := []struct {
		name, dtype string
		shape       []int
	}{
		{"images.npy", "uint8", []int{nc, 3, H, W}}, {"intrinsics.npy", "float32", []int{nc, 3, 3}},
		{"extrinsics.npy", "float32", []int{nc, 4, 4}}, {"points.npy", "float32", []int{maxPoints, 4}},
		{"npoints.npy", "float32", []int{1}}, {"occupancy.npy", "uint8", []int{G, G}},
		{"semantic.npy", "uint8", []int{G, G}}, {"boxes.npy", "float32", []int{cfg.MaxBoxes, 10}},
	}
	for _, s := range specs {
		w, err := npy.Create(filepath.Join(dir, s.name), s.dtype, s.shape...)
		if err != nil {
			return 0, err
		}
		files[s.name] = w
	}
	closeAll := func() error {
		var first error
		for _, w := range files {
			if err := w.Close(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	classIndex := map[string]int{}
	for i, c := range cfg.Classes {
		classIndex[c] = i
	}
	imgs := make([]uint8, nc*3*H*W)
	intr := make([]float32, nc*9)
	extr := make([]float32, nc*16)
	pts := make([]float32, maxPoints*4)
	occ := make([]uint8, G*G)
	sem := make([]uint8, G*G)
	boxes := make([]float32, cfg.MaxBoxes*10)
	for c, cam := range rig.Cameras {
		m := cam.Model
		copy(intr[9*c:], []float32{float32(m.Fx), 0, float32(m.Cx), 0, float32(m.Fy), float32(m.Cy), 0, 0, 1})
		e := cam.Extrinsic
		r := [9]float64{}
		for k, axis := range [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} {
			v := e.Rotation.Rotate(r3.Vec{X: axis[0], Y: axis[1], Z: axis[2]})
			r[k], r[3+k], r[6+k] = v.X, v.Y, v.Z
		}
		copy(extr[16*c:], []float32{float32(r[0]), float32(r[1]), float32(r[2]), float32(e.Translation.X),
			float32(r[3]), float32(r[4]), float32(r[5]), float32(e.Translation.Y),
			float32(r[6]), float32(r[7]), float32(r[8]), float32(e.Translation.Z), 0, 0, 0, 1})
	}
	if err := writeFrustumCells(filepath.Join(dir, "frustum_cells.npy"), rig, intr, extr, W, H); err != nil {
		closeAll()
		return 0, err
	}
	n := 0
	period := 1 / cfg.LidarHz
	for k := 0; float64(k+1)*period <= cfg.Duration+1e-9; k += cfg.Every {
		if err := ctx.Err(); err != nil {
			closeAll()
			return n, err
		}
		t := float64(k) * period
		for c, cam := range rig.Cameras {
			fr := world.Render(cam, t, sim.RenderOptions{})
			base := c * 3 * H * W
			for i := 0; i < H*W; i++ {
				imgs[base+i], imgs[base+H*W+i], imgs[base+2*H*W+i] = fr.RGB[3*i], fr.RGB[3*i+1], fr.RGB[3*i+2]
			}
		}
		sw := world.LidarSweep(lidar, rig.LidarMount, t)
		for i := range pts {
			pts[i] = 0
		}
		np := 0
		// Points in base_link at the sweep's start, as the bevfusion node
		// de-skews them to the cloud's stamp: each is fired from the pose at
		// its own time.
		toStart := world.EgoPose(t).Inverse()
		for _, p := range sw.Points {
			if np == maxPoints {
				break
			}
			if math.IsNaN(float64(p.X)) {
				continue
			}
			q := toStart.Apply(world.EgoPose(t + float64(p.Time)).Apply(rig.LidarMount.Apply(r3.Vec{X: float64(p.X), Y: float64(p.Y), Z: float64(p.Z)})))
			copy(pts[4*np:], []float32{float32(q.X), float32(q.Y), float32(q.Z), p.Intensity})
			np++
		}
		grid, err := world.BEV(t, sim.BEVConfig{})
		if err != nil {
			closeAll()
			return n, err
		}
		for i := range occ {
			occ[i] = grid.Occupied[i]
			sem[i] = uint8(cfg.LabelMap.Class(uint32(grid.Class[i])))
		}
		for i := range boxes {
			boxes[i] = 0
		}
		nb := 0
		for _, b := range world.Boxes3D(t, 0) {
			ci, ok := classIndex[ClassName(b.Class)]
			if !ok || nb == cfg.MaxBoxes {
				continue
			}
			copy(boxes[10*nb:], []float32{float32(b.Center.X), float32(b.Center.Y), float32(b.Center.Z), float32(b.Length), float32(b.Width),
				float32(b.Height), float32(b.Yaw), float32(b.Velocity.X), float32(b.Velocity.Y), float32(ci)})
			nb++
		}
		for i := nb; i < cfg.MaxBoxes; i++ {
			boxes[10*i+9] = -1
		}
		for _, w := range []error{
			files["images.npy"].WriteUint8(imgs), files["intrinsics.npy"].WriteFloat32(intr),
			files["extrinsics.npy"].WriteFloat32(extr), files["points.npy"].WriteFloat32(pts),
			files["npoints.npy"].WriteFloat32([]float32{float32(np)}), files["occupancy.npy"].WriteUint8(occ),
			files["semantic.npy"].WriteUint8(sem), files["boxes.npy"].WriteFloat32(boxes),
		} {
			if w != nil {
				closeAll()
				return n, w
			}
		}
		n++
		if progress != nil && n%10 == 0 {
			fmt.Fprintf(progress, "dataset bev: %d samples\n", n)
		}
	}
	if err := closeAll(); err != nil {
		return n, err
	}
	names := make([]string, nc)
	for i, c := range rig.Cameras {
		names[i] = CameraName(c)
	}
	meta := map[string]any{"kind": "bev", "seed": cfg.Seed, "samples": n, "cameras": names, "image": map[string]int{"width": W, "height": H},
		"grid": map[string]any{"size": G, "range": g0.Range, "resolution": g0.Resolution, "rows_along": "y", "columns_along": "x"},
		"frustum": map[string]any{"feature_height": H / FrustumStride, "feature_width": W / FrustumStride, "depth_min": frustumDepth.DepthMin,
			"depth_max": frustumDepth.DepthMax, "depth_step": frustumDepth.DepthStep, "z_min": frustumDepth.ZMin, "z_max": frustumDepth.ZMax},
		"box_classes": cfg.Classes, "semantic_classes": Classes(cfg.LabelMap), "frame": "base_link"}
	raw, err := yaml.Marshal(meta)
	if err != nil {
		return n, err
	}
	return n, os.WriteFile(filepath.Join(dir, "meta.yaml"), raw, 0o644)
}

// FrustumStride is the camera encoder's output stride the BEV training set's
// lift geometry assumes (704×256 images → 44×16 features).
const FrustumStride = 16

// frustumDepth holds the depth bins and height band of the written lift
// geometry: the bevfusion node's defaults.
var frustumDepth = lss.Config{DepthMin: 1, DepthMax: 60, DepthStep: 0.5, ZMin: -5, ZMax: 3}

// writeFrustumCells writes the rig's lift geometry (see WriteBEVDataset).
func writeFrustumCells(path string, rig *sim.Rig, intr, extr []float32, w, h int) error {
	cams := make([]bev.Camera, len(rig.Cameras))
	for c, cam := range rig.Cameras {
		k := intr[9*c:]
		bc := bev.Camera{Name: CameraName(cam), Width: w, Height: h, Fx: float64(k[0]), Fy: float64(k[4]), Cx: float64(k[2]), Cy: float64(k[5])}
		for i := range bc.Extrinsic {
			bc.Extrinsic[i] = float64(extr[16*c+i])
		}
		cams[c] = bc
	}
	cfg := frustumDepth
	cfg.Grid, cfg.Layout = bev.BEVFusionGrid, bev.LayoutYX
	cfg.InputWidth, cfg.InputHeight = w, h
	cfg.FeatWidth, cfg.FeatHeight = w/FrustumStride, h/FrustumStride
	g, err := lss.NewGeometry(cfg, cams)
	if err != nil {
		return fmt.Errorf("simulate: bev dataset lift geometry: %w", err)
	}
	f, err := npy.Create(path, "int32", g.D, g.FH, g.FW)
	if err != nil {
		return err
	}
	cells, per := g.PointCells(), g.D*g.FH*g.FW
	for c := range cams {
		if err := f.WriteInt32(cells[c*per : (c+1)*per]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
