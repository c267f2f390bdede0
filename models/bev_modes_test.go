package models

import (
	"context"
	"math"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/evaluate"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

// bevMode is one way of running bevfusion with bev-small: its parameters
// and the fuser card's metric prefix.
type bevMode struct {
	name   string
	key    string
	params map[string]any
}

var bevModes = []bevMode{
	{"fused", "ci_fused", map[string]any{}},
	// No cameras, no encoder: the fuser's camera_bev is zero.
	{"lidar-only", "ci_lidar_only", map[string]any{"cameras": []any{}, "encoder_model": ""}},
	// No cloud topic: the front camera keys the frames, lidar_bev is zero.
	{"camera-only", "ci_camera_only", map[string]any{"cloud_topic": ""}},
}

// bevModel is one BEV model pair and the modes its card reproduces.
type bevModel struct {
	name  string // the files' prefix in models/
	modes []bevMode
}

var bevModels = []bevModel{
	// Camera-aware encoder, one fuser trained with modality dropout.
	{"bev-depth-small", bevModes},
	// The same pair trained on with the lidar always absent: camera-only rigs.
	{"bev-camera-only-small", bevModes[2:]},
}

// bevDrive is a held-out drive TestBEVModes scores on, and the prefix its
// figures have among the card's ci_ metrics.
type bevDrive struct {
	lidar, prefix string
	withLidar     bool // only the modes that read the lidar
}

// The training sensor (HDL-64E-like), and the sparse 16-beam lidar on
// which the cameras must pay (camera-only is the same on either drive).
var bevDrives = []bevDrive{{"hdl64", "", false}, {"vlp16", "vlp16_", true}}

// TestBEVModes runs bev-depth-small through the bevfusion node fused,
// lidar-only and camera-only, and bev-camera-only-small camera-only, on held-out seed 301 (1 s; cameras at the
// lidar's 10 Hz so that camera-only frames share the ground truth's
// stamps) with the HDL-64E-like lidar and with the VLP-16-like one, and
// compares car and person AP at 2 m and occupancy IoU with each fuser
// card's ci_[vlp16_]<mode>_ values; it also checks that with the sparse
// lidar fused beats lidar-only on person AP and occupancy IoU.
func TestBEVModes(t *testing.T) {
	got := map[string][3]float64{}
	for _, d := range bevDrives {
		path := heldOut(t, simdrive.Config{Seed: 301, Duration: 1, Cameras: "six", Width: 704, Height: 256, CameraHz: 10, Lidar: d.lidar})
		for _, model := range bevModels {
			scoreBEVModes(t, path, model, d, got)
		}
	}
	// With the 16-beam lidar the cameras must pay: fused beats lidar-only
	// in person AP and occupancy IoU, and a fuser that ignored its cameras
	// (equal figures) fails. Car AP, which the sparse lidar already finds,
	// may fall short by up to 0.02: on this drive fused is 0.018 below,
	// on the held-out 3 s drives −0.006 / +0.019 / +0.004 (the README's
	// table). With the 64-beam lidar fused and lidar-only differ by under
	// 0.02 either way, so there they are compared with the card only.
	f, l := got["vlp16 bev-depth-small fused"], got["vlp16 bev-depth-small lidar-only"]
	for i, what := range []string{"person AP@2m", "occupancy IoU"} {
		if !(f[i+1] > l[i+1]) {
			t.Errorf("vlp16: fused %s %.4f does not beat lidar-only %.4f", what, f[i+1], l[i+1])
		}
	}
	if f[0] < l[0]-0.02 {
		t.Errorf("vlp16: fused car AP@2m %.4f is more than 0.02 below lidar-only %.4f", f[0], l[0])
	}
}

// scoreBEVModes scores model's modes on the drive at path into got.
func scoreBEVModes(t *testing.T, path string, model bevModel, d bevDrive, got map[string][3]float64) {
	card, err := infer.LoadCard(model.name + "-fuser.card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tol := cardMetric(t, card, "ci_tolerance")
	for _, m := range model.modes {
		if d.withLidar && m.name == "camera-only" {
			continue
		}
		params := map[string]any{"encoder_model": "models/" + model.name + "-camera.onnx", "fuser_model": "models/" + model.name + "-fuser.onnx"}
		for k, v := range m.params {
			params[k] = v
		}
		r, err := evaluate.BEV(context.Background(), evaluate.BEVConfig{
			Bags: []string{path}, ParamsFiles: []string{"../params/bevfusion.yaml", "../params/demo.yaml"}, Root: "..", Params: params,
		})
		if err != nil {
			t.Fatalf("%s %s: %v", model.name, m.name, err)
		}
		car, person := apAt2m(r)
		pre := "ci_" + d.prefix + m.key[len("ci_"):]
		want := [3]float64{cardMetric(t, card, pre+"_car_ap_2m"), cardMetric(t, card, pre+"_person_ap_2m"), cardMetric(t, card, pre+"_occupancy_iou")}
		key := d.lidar + " " + model.name + " " + m.name
		got[key] = [3]float64{car, person, r.OccupancyIoU}
		t.Logf("%-33s %d frames, %d detections: car AP@2m %.4f, person AP@2m %.4f, occupancy IoU %.4f (card %.4f / %.4f / %.4f ± %.4f)",
			key, r.Frames, r.Detections, car, person, r.OccupancyIoU, want[0], want[1], want[2], tol)
		for i, v := range got[key] {
			if math.IsNaN(v) || math.Abs(v-want[i]) > tol {
				t.Errorf("%s: car AP %.4f, person AP %.4f, occupancy IoU %.4f; card says %.4f / %.4f / %.4f ± %.4f", key, car, person, r.OccupancyIoU, want[0], want[1], want[2], tol)
				break
			}
		}
		if r.Frames < 9 {
			t.Errorf("%s: %d frames scored of the drive's 10", key, r.Frames)
		}
	}
}
