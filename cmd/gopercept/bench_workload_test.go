package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

// The scaling options size the drive as scaling.py's plot says: points per
// sweep are rows × columns, and bevfusion's cameras are the rig's, named as
// params/demo.yaml names them.
func TestBenchWorkload(t *testing.T) {
	wl, names, err := benchWorkloadOf(simdrive.Config{Duration: 1, Lidar: "os1-128", Columns: 16384, Cameras: "four", Width: 704, Height: 256})
	if err != nil {
		t.Fatal(err)
	}
	if wl.PointsPerSweep != 128*16384 || wl.Rows != 128 || wl.Cameras != 4 || wl.Pedestrians != 40 {
		t.Errorf("workload %+v", wl)
	}
	want := []string{"cameras/cam_front", "cameras/cam_front_left", "cameras/cam_front_right", "cameras/cam_back"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("cameras %q, want %q", names, want)
	}
	// Eight: bevfusion's largest rig (nodes/bevfusion.MaxCameras), the ring and two long-range cameras.
	wl, names, err = benchWorkloadOf(simdrive.Config{Lidar: "hdl64", Columns: 2048, Cameras: "eight", Width: 704, Height: 256})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"cameras/cam_front", "cameras/cam_front_left", "cameras/cam_front_right", "cameras/cam_back",
		"cameras/cam_back_left", "cameras/cam_back_right", "cameras/cam_front_tele", "cameras/cam_back_tele"}
	if wl.Cameras != 8 || wl.CameraPreset != "eight" || !reflect.DeepEqual(names, want) {
		t.Errorf("eight: %+v, cameras %q, want %q", wl, names, want)
	}
	// pose2d's scaling drive: --crowd 10 is reported beside the world's pedestrians.
	wl, _, err = benchWorkloadOf(simdrive.Config{Lidar: "hdl64", Columns: 2048, Cameras: "front", Width: 640, Height: 480, Crowd: true, CrowdSize: 10})
	if err != nil || !wl.Crowd || wl.CrowdSize != 10 || wl.Cameras != 1 {
		t.Errorf("crowd: %+v %v", wl, err)
	}
	if wl, names, err := benchWorkloadOf(simdrive.Config{Lidar: "hdl64", Columns: 2048, Cameras: "none", Pedestrians: -1}); err != nil || wl.Cameras != 0 || len(names) != 0 || wl.PointsPerSweep != 131072 || wl.Pedestrians != 0 {
		t.Errorf("no cameras: %+v %q %v", wl, names, err)
	}
	if wl, _, err := benchWorkloadOf(simdrive.Config{Lidar: "vlp16", Columns: 2048, Cameras: "none"}); err != nil || wl.PointsPerSweep != 16*2048 {
		t.Errorf("VLP-16-like lidar: %+v %v, want 32768 points a sweep", wl, err)
	}
	for _, cfg := range []simdrive.Config{{Lidar: "pandar64", Columns: 2048}, {Lidar: "hdl64", Columns: 32768}, {Lidar: "hdl64", Columns: 2048, Cameras: "twelve"}} {
		if _, _, err := benchWorkloadOf(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestBenchProfileAndTrace runs a small lidarseg bench with --cpuprofile and
// --trace and checks both files are written and are what go tool pprof and
// go tool trace read (a gzipped profile; a trace with its header).
func TestBenchProfileAndTrace(t *testing.T) {
	t.Chdir("../..") // params name models relative to the repository
	dir := t.TempDir()
	prof, tr := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "run.trace")
	got, err := runCLI(t, "bench", "lidarseg", "--duration", "0.3", "--lidar", "vlp16", "--columns", "512", "--cameras", "none",
		"--cpuprofile", prof, "--trace", tr)
	if err != nil {
		t.Fatal(err, got)
	}
	p, err := os.ReadFile(prof)
	if err != nil || len(p) < 2 || p[0] != 0x1f || p[1] != 0x8b {
		t.Errorf("--cpuprofile wrote %d bytes (%v), not a gzipped profile", len(p), err)
	}
	tb, err := os.ReadFile(tr)
	if err != nil || !bytes.HasPrefix(tb, []byte("go 1.")) || !bytes.Contains(tb[:16], []byte(" trace")) {
		t.Errorf("--trace wrote %d bytes (%v) without a Go trace header", len(tb), err)
	}
}
