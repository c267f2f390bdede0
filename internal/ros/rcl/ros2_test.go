//go:build ros2

package rcl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/builtin_interfaces"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/tf2_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
)

// TestMain isolates the tests from any other ROS 2 graph: a domain derived
// from the PID (unless GOPERCEPT_ROS2_DOMAIN_ID pins one) and discovery on
// the loopback only.
func TestMain(m *testing.M) {
	domain := 1 + os.Getpid()%200
	if s := os.Getenv("GOPERCEPT_ROS2_DOMAIN_ID"); s != "" {
		domain, _ = strconv.Atoi(s)
	}
	os.Setenv("ROS_DOMAIN_ID", strconv.Itoa(domain))
	os.Setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
	os.Setenv("ROS_LOCALHOST_ONLY", "") // deprecated in Jazzy; must not fight the range
	if os.Getenv("RMW_IMPLEMENTATION") == "" {
		os.Setenv("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")
	}
	fmt.Fprintf(os.Stderr, "ros2 tests: ROS_DOMAIN_ID=%d RMW_IMPLEMENTATION=%s\n", domain, os.Getenv("RMW_IMPLEMENTATION"))
	os.Exit(m.Run())
}

var stamp = builtin_interfaces.Time{Sec: 1700000000, Nanosec: 42}

func testCloud() *sensor_msgs.PointCloud2 {
	const n = 4
	c := &sensor_msgs.PointCloud2{
		Header: std_msgs.Header{Stamp: stamp, FrameID: "lidar_top"},
		Height: 1, Width: n,
		Fields: []sensor_msgs.PointField{
			{Name: "x", Offset: 0, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "y", Offset: 4, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "z", Offset: 8, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "intensity", Offset: 12, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		},
		PointStep: 16, RowStep: 16 * n, IsDense: true,
	}
	c.Data = make([]byte, 16*n)
	for i := range c.Data {
		c.Data[i] = byte(i * 7)
	}
	return c
}

func testTF() *tf2_msgs.TFMessage {
	return &tf2_msgs.TFMessage{Transforms: []geometry_msgs.TransformStamped{
		{
			Header:       std_msgs.Header{Stamp: stamp, FrameID: "map"},
			ChildFrameID: "base_link",
			Transform: geometry_msgs.Transform{
				Translation: geometry_msgs.Vector3{X: 1.5, Y: -2, Z: 0.25},
				Rotation:    geometry_msgs.Quaternion{Z: 0.7071067811865476, W: 0.7071067811865476},
			},
		},
		{
			Header:       std_msgs.Header{Stamp: stamp, FrameID: "base_link"},
			ChildFrameID: "lidar_top",
			Transform:    geometry_msgs.Transform{Translation: geometry_msgs.Vector3{Z: 1.8}, Rotation: geometry_msgs.Quaternion{W: 1}},
		},
	}}
}

func testSkeletons() *gopercept_msgs.Skeleton2DArray {
	return &gopercept_msgs.Skeleton2DArray{
		Header: std_msgs.Header{Stamp: stamp, FrameID: "camera_front"},
		Skeletons: []gopercept_msgs.Skeleton2D{{
			TrackID: 7, Score: 0.875, Box: [4]float32{10, 20, 110, 220}, Convention: "coco17",
			Keypoints: []gopercept_msgs.Keypoint2D{
				{X: 50, Y: 40, Score: 0.9, Visibility: gopercept_msgs.Keypoint2D_VISIBLE},
				{X: 55, Y: 42, Score: 0.1, Visibility: gopercept_msgs.Keypoint2D_OCCLUDED},
			},
		}},
	}
}

func testDetections() *vision_msgs.Detection3DArray {
	var cov [36]float64
	for i := 0; i < 6; i++ {
		cov[i*7] = 0.01 * float64(i+1)
	}
	return &vision_msgs.Detection3DArray{
		Header: std_msgs.Header{Stamp: stamp, FrameID: "lidar_top"},
		Detections: []vision_msgs.Detection3D{{
			Header: std_msgs.Header{Stamp: stamp, FrameID: "lidar_top"},
			Results: []vision_msgs.ObjectHypothesisWithPose{{
				Hypothesis: vision_msgs.ObjectHypothesis{ClassID: "pedestrian", Score: 0.93},
				Pose: geometry_msgs.PoseWithCovariance{
					Pose:       geometry_msgs.Pose{Position: geometry_msgs.Point{X: 4, Y: 1, Z: 0.9}, Orientation: geometry_msgs.Quaternion{W: 1}},
					Covariance: cov,
				},
			}},
			Bbox: vision_msgs.BoundingBox3D{
				Center: geometry_msgs.Pose{Position: geometry_msgs.Point{X: 4, Y: 1, Z: 0.9}, Orientation: geometry_msgs.Quaternion{W: 1}},
				Size:   geometry_msgs.Vector3{X: 0.6, Y: 0.6, Z: 1.8},
			},
			ID: "track-7",
		}},
	}
}

// inbox collects the first message of each topic.
type inbox struct {
	mu  sync.Mutex
	got map[string][]byte
	ch  chan string
}

func newInbox() *inbox { return &inbox{got: map[string][]byte{}, ch: make(chan string, 64)} }

func (b *inbox) handler(topic string) Handler {
	return func(data []byte, _ MessageInfo) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.got[topic]; !ok {
			b.got[topic] = data
			b.ch <- topic
		}
	}
}

func (b *inbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

func (b *inbox) get(topic string) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.got[topic]
}

// spin runs c.Spin until the test ends.
func spin(t *testing.T, c *Context) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Spin(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Spin: %v", err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// TestPubSubRoundTrip publishes CDR from our codec on one node and receives
// it on another node of the same process: a point cloud, a TF message (our
// tf2_msgs build), a skeleton array (our gopercept_msgs build) and 3D
// detections (our vision_msgs build, over the best-effort preset).
func TestPubSubRoundTrip(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	talker, err := c.NewNode("talker", "/gopercept_test")
	if err != nil {
		t.Fatal(err)
	}
	listener, err := c.NewNode("listener", "/gopercept_test")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		topic string
		qos   QoS
		msg   cdr.Message
		fresh func() cdr.Message
	}{
		{"points", Reliable(10), testCloud(), func() cdr.Message { return new(sensor_msgs.PointCloud2) }},
		{"/tf", Reliable(100), testTF(), func() cdr.Message { return new(tf2_msgs.TFMessage) }},
		{"skeletons", Reliable(10), testSkeletons(), func() cdr.Message { return new(gopercept_msgs.Skeleton2DArray) }},
		{"detections", SensorData(), testDetections(), func() cdr.Message { return new(vision_msgs.Detection3DArray) }},
	}
	box := newInbox()
	pubs := make([]*Publisher, len(cases))
	for i, tc := range cases {
		if _, err := listener.NewSubscription(tc.topic, tc.msg.TypeName(), tc.qos, box.handler(tc.topic)); err != nil {
			t.Fatal(err)
		}
		if pubs[i], err = talker.NewPublisher(tc.topic, tc.msg.TypeName(), tc.qos); err != nil {
			t.Fatal(err)
		}
	}
	spin(t, c)

	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for box.count() < len(cases) {
		select {
		case <-deadline:
			t.Fatalf("received %d of %d topics in 20 s", box.count(), len(cases))
		case <-box.ch:
		case <-tick.C:
			for i, tc := range cases {
				if box.get(tc.topic) == nil {
					if err := pubs[i].PublishMessage(tc.msg); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.msg.TypeName(), func(t *testing.T) {
			data := box.get(tc.topic)
			if want := cdr.Marshal(tc.msg); !bytes.Equal(data, want) {
				t.Errorf("bytes differ:\n got %x\nwant %x", data, want)
			}
			got := tc.fresh()
			if err := cdr.Unmarshal(data, got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, tc.msg) {
				t.Errorf("decoded\n got %+v\nwant %+v", got, tc.msg)
			}
		})
	}
	for i, tc := range cases {
		if n, err := pubs[i].SubscriptionCount(); err != nil || n != 1 {
			t.Errorf("%s: SubscriptionCount = %d, %v; want 1", tc.topic, n, err)
		}
	}
}

// TestTransientLocal checks the /tf_static preset: a subscriber that joins
// after the only publish still gets the message.
func TestTransientLocal(t *testing.T) {
	pc, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	talker, err := pc.NewNode("static_broadcaster", "")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := talker.NewPublisher("/tf_static", tf2_msgs.TFMessageTypeName, TransientLocal(1))
	if err != nil {
		t.Fatal(err)
	}
	want := testTF()
	if err := pub.PublishMessage(want); err != nil {
		t.Fatal(err)
	}

	sc, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	listener, err := sc.NewNode("static_listener", "")
	if err != nil {
		t.Fatal(err)
	}
	box := newInbox()
	if _, err := listener.NewSubscription("/tf_static", tf2_msgs.TFMessageTypeName, TransientLocal(100), box.handler("/tf_static")); err != nil {
		t.Fatal(err)
	}
	spin(t, sc)
	select {
	case <-box.ch:
	case <-time.After(20 * time.Second):
		t.Fatal("late subscriber got no /tf_static in 20 s")
	}
	var got tf2_msgs.TFMessage
	if err := cdr.Unmarshal(box.get("/tf_static"), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestIncompatibleQoS pairs a best-effort publisher with a reliable
// subscription: they never match, and both sides report it.
func TestIncompatibleQoS(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n, err := c.NewNode("qos_probe", "/gopercept_test")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := n.NewPublisher("camera/points", sensor_msgs.PointCloud2TypeName, SensorData())
	if err != nil {
		t.Fatal(err)
	}
	sub, err := n.NewSubscription("camera/points", sensor_msgs.PointCloud2TypeName, Reliable(10), func([]byte, MessageInfo) {})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var mu sync.Mutex
	var seen []Incompatibility
	go n.WatchQoS(ctx, 100*time.Millisecond, []*Publisher{pub}, []*Subscription{sub}, func(in Incompatibility) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, in)
		if len(seen) == 2 {
			cancel()
		}
	})
	<-ctx.Done()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("WatchQoS reported %v, want the pair from both sides", seen)
	}
	for _, in := range seen {
		if in.Policy != "reliability" || in.Offered != "best_effort" || in.Requested != "reliable" || in.Node != "/gopercept_test/qos_probe" {
			t.Errorf("unexpected %v", in)
		}
	}
	if k, err := pub.SubscriptionCount(); err != nil || k != 0 {
		t.Errorf("SubscriptionCount = %d, %v; want 0 for an incompatible pair", k, err)
	}
}

func TestTypeErrors(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n, err := c.NewNode("type_errors", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sensor_msgs/PointCloud2", "sensor_msgs/srv/X", "a/msg/b;c", "", "/msg/X"} {
		if _, err := n.NewPublisher("x", name, Reliable(1)); !errors.Is(err, ErrTypeName) {
			t.Errorf("%q: err = %v, want ErrTypeName", name, err)
		}
	}
	_, err = n.NewPublisher("x", "no_such_msgs/msg/Nothing", Reliable(1))
	var tse *TypeSupportError
	if !errors.As(err, &tse) || tse.Type != "no_such_msgs/msg/Nothing" {
		t.Errorf("unknown package: err = %v, want *TypeSupportError", err)
	}
	pub, err := n.NewPublisher("x", sensor_msgs.PointCloud2TypeName, Reliable(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.PublishMessage(testTF()); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("PublishMessage(TFMessage) on PointCloud2: err = %v, want ErrTypeMismatch", err)
	}
}

func TestDomainIDValidation(t *testing.T) {
	old := os.Getenv("ROS_DOMAIN_ID")
	defer os.Setenv("ROS_DOMAIN_ID", old)
	for _, v := range []string{"abc", "-1", "233"} {
		os.Setenv("ROS_DOMAIN_ID", v)
		var ce *configerr.Error
		if _, err := NewContext(nil); !errors.As(err, &ce) || ce.Param != "ROS_DOMAIN_ID" || ce.Value != strconv.Quote(v) {
			t.Errorf("ROS_DOMAIN_ID=%q: err = %v, want a configerr.Error naming ROS_DOMAIN_ID and the value", v, err)
		}
	}
}

func TestROSArgs(t *testing.T) {
	dir := t.TempDir()
	params := filepath.Join(dir, "detector.yaml")
	if err := os.WriteFile(params, []byte("/**:\n  ros__parameters:\n    score_threshold: 0.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-v", "--ros-args", "--params-file", params, "-p", "rate_hz:=10", "-r", "in:=/camera/image", "--", "extra"}
	n, err := NewNode("detector", "/perception", args)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c := n.Context()
	if got := c.ParamsFiles(); !reflect.DeepEqual(got, []string{params}) {
		t.Errorf("ParamsFiles = %q", got)
	}
	if got := c.ParamOverrides(); !reflect.DeepEqual(got, map[string]string{"rate_hz": "10"}) {
		t.Errorf("ParamOverrides = %v", got)
	}
	if got := c.Rest(); !reflect.DeepEqual(got, []string{"-v", "extra"}) {
		t.Errorf("Rest = %q", got)
	}
	if got := n.FullyQualifiedName(); got != "/perception/detector" {
		t.Errorf("FullyQualifiedName = %q", got)
	}
	n.Logger().Infof("logger works: %s", n.FullyQualifiedName())

	if _, err := NewContext([]string{"--ros-args", "--params-file"}); err == nil {
		t.Error("--params-file without a path: no error")
	}
	// A user's mistake is one plain line, not rclgo's stack trace.
	for _, bad := range [][]string{{"--ros-args", "--params-file", filepath.Join(dir, "missing.yaml")}, {"--ros-args", "-p"}} {
		_, err := NewContext(bad)
		if err == nil || strings.Contains(err.Error(), "goroutine") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := NewContext([]string{"--ros-args", "--params-file", filepath.Join(dir, "missing.yaml")}); err == nil || !strings.Contains(err.Error(), "missing.yaml: stat") {
		t.Errorf("missing params file: %v", err)
	}
}

// TestRclpyInterop receives a sensor_msgs/Image published by rclpy from the
// same ROS 2 install and decodes it with our codec.
func TestRclpyInterop(t *testing.T) {
	py := os.Getenv("GOPERCEPT_ROS2_PYTHON")
	if py == "" {
		t.Skip("GOPERCEPT_ROS2_PYTHON not set (scripts/ros2-env.sh sets it): no rclpy peer")
	}
	if err := exec.Command(py, "-c", "import rclpy, sensor_msgs.msg").Run(); err != nil {
		t.Skipf("%s cannot import rclpy and sensor_msgs: %v", py, err)
	}
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.NewNode("py_listener", "")
	if err != nil {
		t.Fatal(err)
	}
	box := newInbox()
	const topic = "/gopercept_test/py_image"
	if _, err := n.NewSubscription(topic, sensor_msgs.ImageTypeName, Reliable(10), box.handler(topic)); err != nil {
		t.Fatal(err)
	}
	spin(t, c)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "talker.py"), topic)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
	}()
	select {
	case <-box.ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("no Image from rclpy in 30 s; talker output:\n%s", out.String())
	}
	var img sensor_msgs.Image
	if err := cdr.Unmarshal(box.get(topic), &img); err != nil {
		t.Fatal(err)
	}
	want := sensor_msgs.Image{
		Header: std_msgs.Header{Stamp: builtin_interfaces.Time{Sec: 1700000000, Nanosec: 123456789}, FrameID: "rclpy_camera"},
		Height: 2, Width: 3, Encoding: "mono8", Step: 3, Data: []byte{0, 1, 2, 250, 251, 252},
	}
	if !reflect.DeepEqual(img, want) {
		t.Errorf("got %+v, want %+v", img, want)
	}
}

// TestPublishClose: Publish hands Fast DDS the caller's bytes for the call
// only, so Close must wait for a Publish in flight; one that comes after
// fails with ErrClosed rather than touching a destroyed publisher. A
// goroutine publishes 3 MB clouds while the publisher closes.
func TestPublishClose(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n, err := c.NewNode("publish_close", "/gopercept_test")
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.NewPublisher("close_points", sensor_msgs.PointCloud2TypeName, Reliable(5))
	if err != nil {
		t.Fatal(err)
	}
	data := cdr.Marshal(bigCloud(0))
	published := make(chan int)
	failed := make(chan error, 1)
	go func() {
		for k := 0; ; k++ {
			if k == 3 {
				published <- k
			}
			if err := p.Publish(data); err != nil {
				failed <- err
				return
			}
		}
	}()
	<-published
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-failed:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("publish after close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("publishing went on after Close")
	}
}
