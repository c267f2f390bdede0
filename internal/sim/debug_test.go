package sim

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"
)

func TestDebugDump(t *testing.T) {
	if os.Getenv("SIM_DUMP") == "" {
		t.Skip("set SIM_DUMP=dir to write debug images")
	}
	dir := os.Getenv("SIM_DUMP")
	t0 := time.Now()
	w, err := NewWorld(WorldConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("world: %d static prims, %d actors, %v", len(w.static), len(w.actors), time.Since(t0))
	rig, _ := DefaultRig(RigConfig{SixCameras: true})
	tm := 3.0
	for ci, cam := range rig.Cameras {
		t0 = time.Now()
		f := w.Render(cam, tm, RenderOptions{Labels: true})
		t.Logf("render %s %v", cam.Name, time.Since(t0))
		img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
		for i := 0; i < f.Width*f.Height; i++ {
			img.Set(i%f.Width, i/f.Width, color.RGBA{f.RGB[3*i], f.RGB[3*i+1], f.RGB[3*i+2], 255})
		}
		for _, p := range w.PersonsGT(cam, tm, 0) {
			for _, k := range p.Keypoints {
				if k.Visibility == 2 {
					img.Set(int(k.U+0.5), int(k.V+0.5), color.RGBA{255, 0, 255, 255})
				} else if k.Visibility == 1 {
					img.Set(int(k.U+0.5), int(k.V+0.5), color.RGBA{0, 255, 255, 255})
				}
			}
			for x := int(p.Box[0]); x <= int(p.Box[2]); x++ {
				img.Set(x, int(p.Box[1]), color.RGBA{255, 255, 0, 255})
				img.Set(x, int(p.Box[3]), color.RGBA{255, 255, 0, 255})
			}
		}
		fh, _ := os.Create(dir + "/" + cam.Name + ".png")
		png.Encode(fh, img)
		fh.Close()
		_ = ci
	}
	l, _ := NewLidar(LidarConfig{Organized: true})
	t0 = time.Now()
	sw := w.LidarSweep(l, rig.LidarMount, tm)
	t.Logf("sweep %v", time.Since(t0))
	img := image.NewRGBA(image.Rect(0, 0, sw.Width, sw.Height*2))
	for r := 0; r < sw.Height; r++ {
		for c := 0; c < sw.Width; c++ {
			p := sw.Points[r*sw.Width+c]
			lab := sw.Labels[r*sw.Width+c]
			if p.X == p.X {
				v := uint8(p.Intensity)
				img.Set(c, r, color.RGBA{v, v, v, 255})
				h := uint32(lab) * 2654435761
				img.Set(c, r+sw.Height, color.RGBA{uint8(h >> 8), uint8(h >> 16), uint8(h >> 24), 255})
			}
		}
	}
	fh, _ := os.Create(dir + "/lidar.png")
	png.Encode(fh, img)
	fh.Close()
	g, _ := w.BEV(tm, BEVConfig{})
	img = image.NewRGBA(image.Rect(0, 0, g.Size, g.Size))
	for r := 0; r < g.Size; r++ {
		for c := 0; c < g.Size; c++ {
			h := uint32(g.Class[r*g.Size+c]) * 2654435761
			col := color.RGBA{uint8(h >> 8), uint8(h >> 16), uint8(h >> 24), 255}
			if g.Occupied[r*g.Size+c] == 0 {
				col.R /= 3
				col.G /= 3
				col.B /= 3
			}
			img.Set(c, g.Size-1-r, col)
		}
	}
	fh, _ = os.Create(dir + "/bev.png")
	png.Encode(fh, img)
	fh.Close()
	t.Logf("boxes: %d persons front: %d", len(w.Boxes3D(tm, 0)), len(w.PersonsGT(rig.Cameras[0], tm, 0)))
}
