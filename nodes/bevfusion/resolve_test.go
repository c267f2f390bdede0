package bevfusionnode

import (
	"math"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestFactsNameResolvedTopics: with a driver's resolver the camera facts,
// a camera_info error and a drop name topics as the graph shows them
// (namespace, remapping), not the declared relative names.
func TestFactsNameResolvedTopics(t *testing.T) {
	buf, err := tf.New(tf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		child string
		tr    tf.Transform
	}{
		{"lidar", tf.Transform{Translation: r3.Vec{X: 1, Z: 1.8}, Rotation: tf.Identity().Rotation}},
		{"cam_optical", tf.Transform{Translation: r3.Vec{X: 1.5, Z: 1.5}, Rotation: tf.QuatFromRPY(-math.Pi/2, 0, -math.Pi/2)}},
	} {
		if err := buf.SetTransform("base_link", e.child, 0, e.tr, true); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(name string) string {
		if name == "front/camera_info" { // as with -r front/camera_info:=/cams/front/info
			return "/cams/front/info"
		}
		return "/veh1/" + name
	}
	ps := param.New("bevfusion", map[string]any{"cameras": []any{"front"}, "cloud_topic": "points"})
	st := node.NewStats()
	n, err := New(node.Env{Name: "bevfusion", Params: ps, TF: buf, Stats: st, Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	r := &rig{n: n, tf: buf, stats: st, pub: &capturePub{}, ps: ps}
	// A CameraInfo with zero focal length masks the camera; two clouds, so
	// the first is fused whatever the wait.
	for _, ts := range []int64{10 * sec, 11 * sec} {
		for _, m := range []struct {
			topic string
			err   error
		}{
			{"front/camera_info", r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 0))},
			{"front/image", r.send(t, "front/image", rgbImage(ts, "cam_optical", imgW, imgH))},
			{"points", r.send(t, "points", cloudXYZI(ts, "lidar", scene))},
		} {
			if m.err != nil {
				t.Fatalf("%s at %d: %v", m.topic, ts, m.err)
			}
		}
	}
	f := r.fact("camera./veh1/front")
	if !strings.HasPrefix(f, "masked: "+MaskBadInfo+": /cams/front/info: ") {
		t.Errorf("camera./veh1/front %q, want masked naming /cams/front/info", f)
	}
	if r.fact("camera./veh1/front.masked_frames") == "" {
		t.Errorf("no masked_frames fact under the resolved name: %v", st.Snapshot().Facts)
	}
	if f := r.fact("camera.front"); f != "" {
		t.Errorf("fact under the declared name: camera.front %q", f)
	}
	err = n.Handle(&node.Msg{Topic: "points", Data: []byte{1, 2, 3}}, r.pub)
	if node.DropReason(err) != "decode" || !strings.Contains(err.Error(), "bevfusion: /veh1/points: ") {
		t.Errorf("garbage cloud: %v, want a decode drop naming /veh1/points", err)
	}
}
