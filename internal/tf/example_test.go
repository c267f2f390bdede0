package tf_test

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/gopercept/gopercept/internal/tf"
)

// The header stamps of the examples, in ns since the epoch.
const (
	t1 int64 = 1_700_000_000_000_000_000
	t2 int64 = 1_700_000_000_100_000_000 // 100 ms later
)

func exampleBuffer() *tf.Buffer {
	b, err := tf.New(tf.Config{}) // CacheDuration 10 s
	if err != nil {
		panic(err)
	}
	set := func(parent, child string, stamp int64, x, y, z float64, q quat.Number, static bool) {
		t := tf.Transform{Translation: r3.Vec{X: x, Y: y, Z: z}, Rotation: q}
		if err := b.SetTransform(parent, child, stamp, t, static); err != nil {
			panic(err)
		}
	}
	id := quat.Number{Real: 1}
	// /tf_static: the sensor mounts.
	set("base_link", "lidar", 0, 1, 0, 1.8, id, true)
	set("base_link", "camera_front", 0, 2, 0, 1.2, id, true)
	set("camera_front", "camera_front_optical", 0, 0, 0, 0, tf.QuatFromRPY(-math.Pi/2, 0, -math.Pi/2), true)
	// /tf: the car drives 1 m forward in 100 ms while turning 10° left.
	set("odom", "base_link", t1, 0, 0, 0, id, false)
	set("odom", "base_link", t2, 1, 0, 0, tf.QuatFromRPY(0, 0, 10*math.Pi/180), false)
	return b
}

// Project a lidar point into the optical frame of the front camera.
func Example() {
	b := exampleBuffer()
	t, err := b.Lookup("camera_front_optical", "lidar", t1)
	if err != nil {
		panic(err)
	}
	p := t.Apply(r3.Vec{X: 11, Y: 0, Z: 0.2}) // 11 m ahead of the lidar
	fmt.Printf("optical: x %.2f right, y %.2f down, z %.2f forward\n", p.X, p.Y, p.Z)
	// Output:
	// optical: x 0.00 right, y -0.80 down, z 10.00 forward
}

// De-skew a lidar point measured at t1 into the lidar frame at t2, the end
// of the sweep, assuming the world stands still in odom.
func ExampleBuffer_LookupFull() {
	b := exampleBuffer()
	t, err := b.LookupFull("lidar", t2, "lidar", t1, "odom")
	if err != nil {
		panic(err)
	}
	p := t.Apply(r3.Vec{X: 10})
	fmt.Printf("%.3f %.3f %.3f\n", p.X, p.Y, p.Z)
	// Output:
	// 8.848 -1.736 0.000
}

// Interpolation: halfway between two samples of odom→base_link.
func ExampleBuffer_Lookup_interpolation() {
	b := exampleBuffer()
	t, err := b.Lookup("odom", "base_link", (t1+t2)/2)
	if err != nil {
		panic(err)
	}
	_, _, yaw := tf.RPY(t.Rotation)
	fmt.Printf("x %.2f m, yaw %.1f°\n", t.Translation.X, yaw*180/math.Pi)
	// Output:
	// x 0.50 m, yaw 5.0°
}

// Lookups past the data fail with the edge and its range, like tf2.
func ExampleLookupError() {
	b := exampleBuffer()
	_, err := b.Lookup("odom", "lidar", t2+1)
	fmt.Println(err)
	var le *tf.LookupError
	if errors.As(err, &le) && errors.Is(err, tf.ErrExtrapolation) {
		fmt.Println(le.Kind, "by", tf.FormatStamp(le.Stamp-le.Latest), "s")
	}
	// Output:
	// tf: lookup odom <- lidar at 1700000000.100000001: extrapolation into the future: data for "odom"->"base_link" covers [1700000000.000000000, 1700000000.100000000]
	// extrapolation into the future by 0.000000001 s
}

func ExampleTransform_Interpolate() {
	a := tf.Identity()
	b := tf.Transform{Translation: r3.Vec{X: 2}, Rotation: tf.QuatFromRPY(0, 0, math.Pi/2)}
	m := a.Interpolate(b, 0.5)
	_, _, yaw := tf.RPY(m.Rotation)
	fmt.Printf("%.1f m, %.0f°\n", m.Translation.X, yaw*180/math.Pi)
	// Output:
	// 1.0 m, 45°
}

func ExampleBuffer_AllFramesAsYAML() {
	b := exampleBuffer()
	fmt.Print(b.AllFramesAsYAML())
	// Output:
	// 'base_link':
	//   parent: 'odom'
	//   static: false
	//   rate: 10.000
	//   most_recent_transform: 1700000000.100000000
	//   oldest_transform: 1700000000.000000000
	//   buffer_length: 0.100
	//   samples: 2
	// 'camera_front':
	//   parent: 'base_link'
	//   static: true
	//   rate: 0.000
	//   most_recent_transform: 0.000000000
	//   oldest_transform: 0.000000000
	//   buffer_length: 0.000
	//   samples: 1
	// 'camera_front_optical':
	//   parent: 'camera_front'
	//   static: true
	//   rate: 0.000
	//   most_recent_transform: 0.000000000
	//   oldest_transform: 0.000000000
	//   buffer_length: 0.000
	//   samples: 1
	// 'lidar':
	//   parent: 'base_link'
	//   static: true
	//   rate: 0.000
	//   most_recent_transform: 0.000000000
	//   oldest_transform: 0.000000000
	//   buffer_length: 0.000
	//   samples: 1
}
