package bevfusionnode

import (
	"testing"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
)

// FuzzHandle feeds arbitrary bytes on each input topic: the node must not
// panic, and good frames afterwards must be published again (after at most
// staleReset clouds, in case the fuzz cloud carried a future stamp).
func FuzzHandle(f *testing.F) {
	ts := int64(1000) * sec
	f.Add(uint8(0), cdr.Marshal(cloudXYZI(ts, "lidar", scene)))
	f.Add(uint8(0), cdr.Marshal(cloudXYZI(ts, "velodyne", nil)))
	f.Add(uint8(1), cdr.Marshal(rgbImage(ts, "cam_optical", imgW, imgH)))
	f.Add(uint8(1), cdr.Marshal(rgbImage(ts, "cam_optical", 3, 2)))
	f.Add(uint8(2), cdr.Marshal(cameraInfo(ts, imgW, imgH, 40)))
	f.Add(uint8(2), cdr.Marshal(cameraInfo(ts, 0, 0, 0)))
	f.Add(uint8(0), []byte{0, 1, 0, 0})
	r := newRig(f, []string{"front"}, true)
	topics := []string{"points", "front/image", "front/camera_info"}
	stamp := ts
	f.Fuzz(func(t *testing.T, topic uint8, data []byte) {
		_ = r.n.Handle(&node.Msg{Topic: topics[int(topic)%len(topics)], Data: data}, r.pub)
		published := false
		for range staleReset + 1 {
			stamp += sec
			before := r.pub.count(TopicDetections)
			if err := r.send(t, "front/camera_info", cameraInfo(stamp, imgW, imgH, 40)); err != nil {
				t.Fatal(err)
			}
			if err := r.send(t, "front/image", rgbImage(stamp, "cam_optical", imgW, imgH)); err != nil {
				t.Fatal(err)
			}
			_ = r.send(t, "points", cloudXYZI(stamp, "lidar", scene))
			if r.pub.count(TopicDetections) > before {
				published = true
				break
			}
		}
		if !published {
			t.Fatal("good frames after the fuzz input were not published")
		}
		r.pub.msgs = r.pub.msgs[:0]
	})
}
