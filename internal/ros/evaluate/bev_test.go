package evaluate

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/testfix/drive"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

// TestBEVKeepsWhatWasPublished replays a drive through bevfusion and checks
// that every detection and marker array eval stored equals, byte for byte,
// what the node published at that frame (as replay wrote it to a bag). The
// node reuses its output buffers; a shallow copy here once halved car AP.
func TestBEVKeepsWhatWasPublished(t *testing.T) {
	if err := infer.Init(); err != nil {
		t.Fatalf("ONNX Runtime: %v (run make ort)", err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "drive.mcap")
	if err := drive.Write(in, simdrive.Config{Seed: 11, Duration: 1, Cameras: "six", Width: 704, Height: 256}); err != nil {
		t.Fatal(err)
	}
	cfg := BEVConfig{OutGrid: "/bevfusion/occupancy", OutBoxes: "/bevfusion/detections", OutMarkers: "/bevfusion/markers"}
	kept := newBEVOutputs(cfg)
	out := filepath.Join(dir, "out.mcap")
	_, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Output: out, Nodes: []string{"bevfusion"},
		ParamsFiles: []string{"../../../params/bevfusion.yaml", "../../../params/demo.yaml"}, Root: "../../..", Fast: true, OnOutput: kept.keep})
	if err != nil {
		t.Fatal(err)
	}
	published := map[string]map[int64][]byte{}
	rd, err := bag.Open(out, bag.ReaderConfig{Topics: []string{cfg.OutBoxes, cfg.OutMarkers}})
	if err != nil {
		t.Fatal(err)
	}
	var stamp int64
	for raw, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		if published[raw.Topic] == nil {
			published[raw.Topic] = map[int64][]byte{}
		}
		if raw.Topic == cfg.OutBoxes {
			var d vision_msgs.Detection3DArray
			if err := cdr.Unmarshal(raw.Data, &d); err != nil {
				t.Fatal(err)
			}
			stamp = node.StampNS(d.Header.Stamp)
		}
		published[raw.Topic][stamp] = append([]byte(nil), raw.Data...)
	}
	rd.Close()
	frames, withBoxes := 0, 0
	for st, want := range published[cfg.OutBoxes] {
		got, ok := kept.dets[st]
		if !ok {
			t.Fatalf("detections at %d published but not kept", st)
		}
		if !bytes.Equal(cdr.Marshal(got), want) {
			t.Fatalf("detections at %d: what eval kept differs from what the node published", st)
		}
		if len(got.Detections) > 0 {
			withBoxes++
		}
		frames++
		m := kept.markers[st]
		if m == nil || !bytes.Equal(cdr.Marshal(m), published[cfg.OutMarkers][st]) {
			t.Fatalf("markers at %d: what eval kept differs from what the node published", st)
		}
	}
	if frames != len(kept.dets) || withBoxes < 2 {
		t.Fatalf("%d frames published, %d kept, %d with boxes: too few to show that frames do not overwrite each other", frames, len(kept.dets), withBoxes)
	}
	t.Logf("%d frames (%d with boxes) kept exactly as published", frames, withBoxes)
}
