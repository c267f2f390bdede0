package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/perception/lidarseg/kitti"
)

// TestEvalLidarsegSemanticKITTI scores a synthetic two-scan SemanticKITTI
// sequence with the geometry-only node (ground = road, the rest
// other-object, which SemanticKITTI maps to unlabelled), writes the
// predictions, and checks the JSON: both mIoUs, and null IoUs beside zero
// counts for the classes nobody has.
func TestEvalLidarsegSemanticKITTI(t *testing.T) {
	dir := t.TempDir()
	seq := filepath.Join(dir, "sequences", "04")
	var sizes []int
	for s := 0; s < 2; s++ {
		var pts [][4]float32
		var labels []uint32
		// A sweep of 32 rings over flat ground 1.73 m below, with a car-sized
		// box 8 m ahead; rings above the horizon miss.
		for c := 0; c < 512; c++ {
			az := 2 * math.Pi * float64(c) / 512
			for r := 0; r < 32; r++ {
				el := (-25 + 28*float64(r)/32) * math.Pi / 180
				dx, dy, dz := math.Cos(el)*math.Cos(az), math.Cos(el)*math.Sin(az), math.Sin(el)
				if dz >= 0 {
					continue
				}
				d, label := 1.73/-dz, uint32(40) // road
				if dx > 0 {
					if b := (8 + float64(s)) / dx; b < d && math.Abs(b*dy) < 1 && b*dz > -1.73 && b*dz < -0.2 {
						d, label = b, 10|uint32(s+1)<<16 // car, instance s+1
					}
				}
				if d > 60 {
					continue
				}
				pts = append(pts, [4]float32{float32(d * dx), float32(d * dy), float32(d * dz), 0.3})
				labels = append(labels, label)
			}
		}
		name := []string{"000000", "000001"}[s]
		if err := kitti.WriteScan(filepath.Join(seq, "velodyne", name+".bin"), pts); err != nil {
			t.Fatal(err)
		}
		if err := kitti.WriteLabels(filepath.Join(seq, "labels", name+".label"), labels); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(pts))
	}
	params := filepath.Join(dir, "geometry.yaml")
	labelMap, err := filepath.Abs("../../params/semantic-kitti.yaml") // the node resolves paths against the working directory
	if err != nil {
		t.Fatal(err)
	}
	yaml := "/**/lidarseg:\n  ros__parameters:\n    model:\n      path: \"\"\n    labels:\n      path: " + labelMap + "\n"
	if err := os.WriteFile(params, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	pred := filepath.Join(dir, "pred")
	out, err := runCLI(t, "eval", "lidarseg", "--semantic-kitti", seq, "--params", "../../params/lidarseg.yaml,"+params,
		"--labels", "../../params/semantic-kitti.yaml", "--post-processing", "none", "--write-labels", pred, "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var rs []struct {
		Clouds    int      `json:"clouds"`
		Present   *float64 `json:"miou_present_classes"`
		Official  *float64 `json:"miou_semantic_kitti"`
		NOfficial int      `json:"classes_semantic_kitti"`
		PerClass  []struct {
			Class      string   `json:"class"`
			IoU        *float64 `json:"iou"`
			TP, FP, FN uint64
		} `json:"per_class"`
	}
	// runCLI appends stderr's progress line after the JSON.
	if err := json.NewDecoder(strings.NewReader(out)).Decode(&rs); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	r := rs[0]
	if r.Clouds != 2 || r.Present == nil || r.Official == nil || r.NOfficial != 19 {
		t.Fatalf("result %+v", r)
	}
	nulls := 0
	for _, c := range r.PerClass {
		switch {
		case c.Class == "road" || c.Class == "car":
			if c.IoU == nil || c.TP+c.FN == 0 {
				t.Errorf("%s: %+v", c.Class, c)
			}
		case c.IoU != nil || c.TP+c.FP+c.FN != 0:
			t.Errorf("%s, absent and never predicted: iou %v, counts %d %d %d", c.Class, c.IoU, c.TP, c.FP, c.FN)
		default:
			nulls++
		}
	}
	if nulls != 17 {
		t.Errorf("%d classes with a null IoU, want 17", nulls)
	}
	// Road found, cars called other-object (unlabelled): the official mean
	// spreads the present classes' IoUs over all 19.
	var sum float64
	for _, c := range r.PerClass {
		if c.IoU != nil {
			sum += *c.IoU
		}
	}
	if math.Abs(*r.Official-sum/19) > 1e-12 || math.Abs(*r.Present-sum/2) > 1e-12 {
		t.Errorf("mIoU %g (present) and %g (official) from per-class sum %g", *r.Present, *r.Official, sum)
	}
	for i, name := range []string{"000000", "000001"} {
		got, err := kitti.ReadLabels(filepath.Join(pred, "sequences", "04", "predictions", name+".label"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != sizes[i] {
			t.Errorf("scan %s: %d predictions for %d points", name, len(got), sizes[i])
		}
		for _, l := range got {
			if l != 40 && l != 99 {
				t.Fatalf("scan %s: prediction %d, want road 40 or other-object 99", name, l)
			}
		}
	}
}
