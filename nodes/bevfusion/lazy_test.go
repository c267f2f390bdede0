package bevfusionnode

import (
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// listenerPub is a capturePub that says which topics have subscribers, as
// the live driver does (node.Listener).
type listenerPub struct {
	*capturePub
	listened map[string]bool
}

func (p *listenerPub) Listened(topic string) bool { return p.listened[topic] }

func msgOf(topic string, m cdr.Message) *node.Msg {
	return &node.Msg{Topic: topic, Type: m.TypeName(), Data: cdr.Marshal(m)}
}

// TestPicturesOnlyWhenWatched: live, the BEV image and the IPM are rendered
// and published only while someone subscribes to them; the occupancy grid
// and the detections are published either way, and a viewer that
// subscribes later gets the IPM of that frame's rig.
func TestPicturesOnlyWhenWatched(t *testing.T) {
	r := newRig(t, []string{"front"}, true)
	pub := &listenerPub{capturePub: r.pub, listened: map[string]bool{}}
	frame := func(ts int64) {
		t.Helper()
		img := rgbImage(ts, "cam_optical", imgW, imgH)
		for i := range img.Data {
			img.Data[i] = 200
		}
		if err := r.n.Handle(msgOf("front/camera_info", cameraInfo(ts, imgW, imgH, 40)), pub); err != nil {
			t.Fatal(err)
		}
		if err := r.n.Handle(msgOf("front/image", img), pub); err != nil {
			t.Fatal(err)
		}
		if err := r.n.Handle(msgOf("points", cloudXYZI(ts, "lidar", scene)), pub); err != nil {
			t.Fatal(err)
		}
	}

	frame(3 * sec)
	if got := r.pub.count(TopicIPM) + r.pub.count(TopicBEVImage); got != 0 {
		t.Errorf("%d pictures published with no subscriber", got)
	}
	if r.pub.count(TopicOccupancy) != 1 || r.pub.count(TopicDetections) != 1 || r.pub.count(TopicMarkers) != 1 {
		t.Errorf("published %d grids, %d detection arrays, %d marker arrays; want 1 each", r.pub.count(TopicOccupancy), r.pub.count(TopicDetections), r.pub.count(TopicMarkers))
	}
	if f := r.fact("ipm"); !strings.HasPrefix(f, "idle") {
		t.Errorf("ipm fact %q with no subscriber, want idle", f)
	}

	pub.listened[TopicIPM] = true
	frame(4 * sec)
	var im sensor_msgs.Image
	if r.pub.count(TopicIPM) != 1 || !r.pub.last(t, TopicIPM, &im) || node.StampNS(im.Header.Stamp) != 4*sec {
		t.Fatalf("%d IPM images once subscribed, want 1 at 4 s", r.pub.count(TopicIPM))
	}
	if px := im.Data[(0*testCells+testCells/2)*3]; px != 200 {
		t.Errorf("front centre pixel %d, want the camera's 200", px)
	}
	if r.pub.count(TopicBEVImage) != 0 {
		t.Errorf("BEV image published without its own subscriber")
	}
	if f := r.fact("ipm"); !strings.HasPrefix(f, "ok") {
		t.Errorf("ipm fact %q once subscribed", f)
	}

	pub.listened[TopicBEVImage] = true
	frame(5 * sec)
	if r.pub.count(TopicBEVImage) != 1 || r.pub.count(TopicIPM) != 2 {
		t.Errorf("%d BEV images and %d IPM images with both subscribed, want 1 and 2", r.pub.count(TopicBEVImage), r.pub.count(TopicIPM))
	}
}
