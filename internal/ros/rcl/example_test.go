//go:build ros2

package rcl_test

import (
	"context"
	"log"
	"os"
	"os/signal"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rcl"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// Example relays point clouds: it subscribes with the sensor-data preset,
// decodes with package cdr and republishes only while someone listens.
// (Compiled, not run: it spins until interrupted.)
func Example() {
	node, err := rcl.NewNode("relay", "/perception", os.Args[1:])
	if err != nil {
		log.Fatal(err)
	}
	defer node.Close()
	out, err := node.NewPublisher("points_out", sensor_msgs.PointCloud2TypeName, rcl.SensorData())
	if err != nil {
		log.Fatal(err)
	}
	var cloud sensor_msgs.PointCloud2
	_, err = node.NewSubscription("points_in", sensor_msgs.PointCloud2TypeName, rcl.SensorData(),
		func(data []byte, _ rcl.MessageInfo) {
			if n, err := out.SubscriptionCount(); err != nil || n == 0 {
				return // lazy: nobody listens
			}
			if err := cdr.Unmarshal(data, &cloud); err != nil {
				node.Logger().Warnf("points_in: %v", err)
				return
			}
			cloud.Header.FrameID = "relayed"
			if err := out.PublishMessage(&cloud); err != nil {
				node.Logger().Errorf("%v", err)
			}
		})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := node.Spin(ctx); err != nil {
		log.Fatal(err)
	}
}
