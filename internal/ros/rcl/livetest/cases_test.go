//go:build ros2

package livetest

import (
	"testing"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

func truncated(good []byte) []byte { return append([]byte(nil), good[:len(good)-10]...) }

func cloudWith(mod func(*sensor_msgs.PointCloud2)) func([]byte) []byte {
	return func(good []byte) []byte {
		var pc sensor_msgs.PointCloud2
		if err := cdr.Unmarshal(good, &pc); err != nil {
			panic(err)
		}
		mod(&pc)
		return cdr.Marshal(&pc)
	}
}

func imageWith(mod func(*sensor_msgs.Image)) func([]byte) []byte {
	return func(good []byte) []byte {
		var im sensor_msgs.Image
		if err := cdr.Unmarshal(good, &im); err != nil {
			panic(err)
		}
		mod(&im)
		return cdr.Marshal(&im)
	}
}

// drive is a short, light simulated drive: a 32-beam lidar at 512
// columns and one small front camera.
var drive = simdrive.Config{Seed: 5, Duration: 1.5, Lidar: "hdl32", Columns: 512, Cameras: "front", Width: 352, Height: 128, Depth: true, Pedestrians: 40}

const cloudT = "sensor_msgs/msg/PointCloud2"
const imageT = "sensor_msgs/msg/Image"

func TestLidarsegLive(t *testing.T) {
	runLive(t, liveCase{
		node: "lidarseg",
		params: `lidarseg:
  ros__parameters:
    input_topic: /lidar/points
    projection:
      preset: hdl64e-1024
`,
		sim: drive,
		bad: []bad{
			{topic: "/lidar/points", typ: cloudT, data: truncated, want: "dropped decode"},
			{topic: "/lidar/points", typ: cloudT, data: cloudWith(func(pc *sensor_msgs.PointCloud2) { pc.PointStep = 4 }), want: "dropped invalid cloud"},
			{topic: "/lidar/points", typ: cloudT, data: cloudWith(func(pc *sensor_msgs.PointCloud2) { pc.Data = pc.Data[:len(pc.Data)/2] }), want: "data shorter"},
		},
	})
}

func TestBevfusionLive(t *testing.T) {
	runLive(t, liveCase{
		node: "bevfusion",
		params: `bevfusion:
  ros__parameters:
    cameras: [/cameras/cam_front]
    cloud_topic: /lidar/points
    # De-skewing looks up odom at every point's time up to the sweep's
    # end; live, that /tf message may arrive after the cloud (DDS orders
    # nothing across topics), so the output would depend on timing.
    deskew: false
    # The bundled fuser on lidar pillars (one camera: no six-camera
    # encoder), so the live node runs a real network.
    fuser_model: models/bev-small-fuser.onnx
`,
		sim: drive,
		bad: []bad{
			{topic: "/lidar/points", typ: cloudT, data: truncated, want: "dropped decode"},
			{topic: "/cameras/cam_front/image", typ: imageT, data: imageWith(func(im *sensor_msgs.Image) { im.Encoding = "bayer_unknown16" }), want: "unknown or unsupported encoding"},
			{topic: "/cameras/cam_front/image", typ: imageT, data: imageWith(func(im *sensor_msgs.Image) { im.Width, im.Height, im.Data = 0, 0, nil }), want: "image 0×0"},
		},
		// No output varies with timing: the cloud is taken latest-only, but
		// the camera's messages are queued (node.Topic.Queue) and every
		// message reaches the node in arrival order, so each cloud the
		// live node fuses meets the images the in-process run gave it.
	})
}

func TestPose2dLive(t *testing.T) {
	runLive(t, liveCase{
		node: "pose2d",
		params: `pose2d:
  ros__parameters:
    image:
      topic: /cameras/cam_front/image
    camera_info:
      topic: /cameras/cam_front/camera_info
    # Depth pairing and tracking depend on which topic's message arrives
    # first, which DDS does not fix; without them each output depends on
    # its image alone and must equal the in-process one byte for byte.
    depth:
      topic: ""
    tracking:
      enabled: false
    model:
      path: models/pose-heatmap-small.onnx
    detector:
      path: models/detector-person-small.onnx
`,
		sim: drive,
		bad: []bad{
			{topic: "/cameras/cam_front/image", typ: imageT, data: imageWith(func(im *sensor_msgs.Image) { im.Encoding = "bayer_unknown16" }), want: "dropped invalid image"},
			{topic: "/cameras/cam_front/image", typ: imageT, data: imageWith(func(im *sensor_msgs.Image) { im.Width, im.Height, im.Data = 0, 0, nil }), want: "zero width or height"},
			{topic: "/cameras/cam_front/image", typ: imageT, data: imageWith(func(im *sensor_msgs.Image) { im.Step = 3 }), want: "step smaller"},
		},
	})
}
