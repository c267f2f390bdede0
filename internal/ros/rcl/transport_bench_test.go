//go:build ros2

package rcl

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/tf"
)

// bigCloud is a 64×2048 driver-layout cloud (131,072 points, 24 bytes each).
func bigCloud(seq int) *sensor_msgs.PointCloud2 {
	const n = 64 * 2048
	pc := &sensor_msgs.PointCloud2{Header: std_msgs.Header{Stamp: node.TimeFromNS(int64(1_700_000_000+seq) * 1e9), FrameID: "lidar_top"},
		Height: 1, Width: n, PointStep: 24, RowStep: 24 * n, IsDense: true,
		Fields: []sensor_msgs.PointField{
			{Name: "x", Offset: 0, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "y", Offset: 4, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "z", Offset: 8, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "intensity", Offset: 12, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "ring", Offset: 16, Datatype: sensor_msgs.PointField_UINT16, Count: 1},
			{Name: "time", Offset: 20, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		}}
	pc.Data = make([]byte, 24*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(pc.Data[24*i:], math.Float32bits(float32(i%2048)*0.01))
	}
	return pc
}

// BenchmarkTransportCloud131k measures what the ROS 2 transport adds to a
// node's latency for a 131,072-point cloud: the time from the peer's
// publish to the node's output arriving back, minus the same node's
// Handle time in process. Target: the transport adds ≤ 2 ms a hop. It runs
// with the Fast DDS profile the launch files give the nodes
// (launch/fastdds_shm.xml) unless the environment names one; Fast DDS reads
// it when the process's first participant is made, so run the benchmark
// alone (-run '^$').
func BenchmarkTransportCloud131k(b *testing.B) {
	if os.Getenv("FASTRTPS_DEFAULT_PROFILES_FILE") == "" && os.Getenv("FASTDDS_DEFAULT_PROFILES_FILE") == "" {
		profile, err := filepath.Abs(filepath.Join("..", "..", "..", "launch", "fastdds_shm.xml"))
		if err != nil {
			b.Fatal(err)
		}
		os.Setenv("FASTRTPS_DEFAULT_PROFILES_FILE", profile)
		defer os.Unsetenv("FASTRTPS_DEFAULT_PROFILES_FILE")
	}
	b.Logf("DDS profile: %s", ddsProfile())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, RunConfig{Node: "drivertest", Args: []string{"--ros-args", "-p", "lazy:=false", "-p", "qos.input_reliability:=reliable"}})
	}()
	peer, err := NewNode("transport_bench", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	in, err := peer.NewPublisher("/drivertest/in", sensor_msgs.PointCloud2TypeName, Reliable(5))
	if err != nil {
		b.Fatal(err)
	}
	static, _ := peer.NewPublisher("/tf_static", "tf2_msgs/msg/TFMessage", TransientLocal(1))
	arrived := make(chan time.Time, 16)
	if _, err := peer.NewSubscription("/drivertest/out", sensor_msgs.PointCloud2TypeName, Reliable(5), func([]byte, MessageInfo) { arrived <- time.Now() }); err != nil {
		b.Fatal(err)
	}
	spinCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); peer.Spin(spinCtx) }()
	defer func() { stop(); <-done; peer.Close(); cancel(); <-runErr }()
	tfm := testTF()
	tfm.Transforms[1].ChildFrameID = "lidar_top"
	static.PublishMessage(tfm)

	// In-process Handle time of the same node on the same cloud.
	buf, _ := tf.New(tf.Config{})
	feeder := node.TFFeeder{Buffer: buf}
	feeder.Feed(cdr.Marshal(tfm), true)
	echo := &echoBase{env: node.Env{TF: buf}}
	data := cdr.Marshal(bigCloud(0))
	var local []time.Duration
	for i := 0; i < 20; i++ {
		t0 := time.Now()
		if err := echo.Handle(&node.Msg{Topic: "/drivertest/in", Data: data}, discard{}); err != nil {
			b.Fatal(err)
		}
		local = append(local, time.Since(t0))
	}
	// Wait for discovery both ways.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if n, _ := in.SubscriptionCount(); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the node never subscribed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	var live []time.Duration
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := in.Publish(data); err != nil {
			b.Fatal(err)
		}
		select {
		case t1 := <-arrived:
			live = append(live, t1.Sub(t0))
		case <-time.After(5 * time.Second):
			b.Fatal("no output")
		}
	}
	b.StopTimer()
	med := func(d []time.Duration) float64 {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[len(s)/2].Nanoseconds()) / 1e6
	}
	b.ReportMetric(med(live), "live_ms")
	b.ReportMetric(med(local), "inprocess_ms")
	b.ReportMetric(med(live)-med(local), "transport_ms")
}

type discard struct{}

func (discard) Publish(string, cdr.Message) error { return nil }
