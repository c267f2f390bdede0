package pose2dnode

import (
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
)

// FuzzHandle feeds arbitrary payloads to each input topic: the node must not
// panic, must drop what it cannot read, and must still process the next good
// frame.
func FuzzHandle(f *testing.F) {
	h := header(frameID)
	f.Add(uint8(0), goodImage(h).Data)
	f.Add(uint8(0), imageMsg(h, "yuv422", imgW, imgH, 2*imgW, grey()[:2*imgW*imgH]).Data)
	f.Add(uint8(0), imageMsg(h, "nv12", imgW, imgH, imgW, grey()[:imgW*imgH*3/2]).Data)
	f.Add(uint8(1), depthMsg(h, imgW, imgH, 2).Data)
	f.Add(uint8(1), depthMsg(h, 3, 2, 2).Data)
	f.Add(uint8(2), infoMsg(h).Data)
	f.Add(uint8(2), []byte{0, 1, 0, 0})
	n, _ := newNode(f, nil)
	topics := []string{"camera/image", "camera/depth", "camera/camera_info"}
	good := goodImage(h)
	info := infoMsg(h)
	f.Fuzz(func(t *testing.T, topic uint8, data []byte) {
		var r recorder
		_ = n.Handle(&node.Msg{Topic: topics[int(topic)%len(topics)], Data: data}, &r)
		if err := n.Handle(info, &r); err != nil {
			t.Fatalf("CameraInfo after fuzz input: %v", err)
		}
		before := r.count("~/skeletons")
		if err := n.Handle(good, &r); err != nil {
			t.Fatalf("good frame after fuzz input: %v", err)
		}
		if r.count("~/skeletons") != before+1 {
			t.Fatal("good frame published nothing")
		}
	})
}
