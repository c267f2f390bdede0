package sim_test

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/sim"
)

// Example shows how a caller gets a lidar sweep, a camera image and the
// ground truth at one time.
func Example() {
	w, err := sim.NewWorld(sim.WorldConfig{Seed: 1})
	if err != nil {
		panic(err)
	}
	rig, err := sim.DefaultRig(sim.RigConfig{SixCameras: true})
	if err != nil {
		panic(err)
	}
	lidar, err := sim.NewLidar(sim.LidarConfig{Preset: sim.PresetHDL64E, Columns: 1024})
	if err != nil {
		panic(err)
	}
	const t = 2.0
	sweep := w.LidarSweep(lidar, rig.LidarMount, t)
	front := rig.Cameras[0]
	frame := w.Render(front, t, sim.RenderOptions{Depth: true, Labels: true})
	persons := w.PersonsGT(front, t, 0)
	boxes := w.Boxes3D(t, 0)
	bev, _ := w.BEV(t, sim.BEVConfig{})
	pose := w.EgoPose(t)
	fmt.Println(sweep.Frame, len(sweep.Points) > 0, frame.Width, frame.Height, len(frame.RGB), bev.Size,
		len(persons) >= 0, len(boxes) > 0, pose.Translation.Z)
	// Output: lidar_top true 704 256 540672 256 true true 0
}
