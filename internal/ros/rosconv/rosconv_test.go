package rosconv

import (
	"testing"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// TestSameCalibration: the CameraInfo a model was built from matches it; a
// change to the size, distortion model, a coefficient or a focal length or
// principal point does not, so the nodes rebuild on any of them.
func TestSameCalibration(t *testing.T) {
	base := func() *sensor_msgs.CameraInfo {
		return &sensor_msgs.CameraInfo{Width: 640, Height: 480, DistortionModel: "plumb_bob", D: []float64{0.1, -0.05, 0, 0, 0.01},
			K: [9]float64{500, 0, 320, 0, 510, 240, 0, 0, 1}}
	}
	m, err := CameraModel(base())
	if err != nil {
		t.Fatal(err)
	}
	if !SameCalibration(m, base()) {
		t.Fatal("the CameraInfo a model was built from does not match it")
	}
	if SameCalibration(nil, base()) {
		t.Fatal("no model matches a CameraInfo")
	}
	for name, change := range map[string]func(*sensor_msgs.CameraInfo){
		"width":      func(c *sensor_msgs.CameraInfo) { c.Width = 1280 },
		"height":     func(c *sensor_msgs.CameraInfo) { c.Height = 720 },
		"model":      func(c *sensor_msgs.CameraInfo) { c.DistortionModel = "rational_polynomial"; c.D = append(c.D, 0, 0, 0) },
		"D":          func(c *sensor_msgs.CameraInfo) { c.D[4] = 0.02 },
		"D length":   func(c *sensor_msgs.CameraInfo) { c.D = c.D[:4] },
		"fx":         func(c *sensor_msgs.CameraInfo) { c.K[0] = 501 },
		"fy":         func(c *sensor_msgs.CameraInfo) { c.K[4] = 511 },
		"cx":         func(c *sensor_msgs.CameraInfo) { c.K[2] = 321 },
		"cy":         func(c *sensor_msgs.CameraInfo) { c.K[5] = 241 },
		"no distort": func(c *sensor_msgs.CameraInfo) { c.D = nil },
	} {
		ci := base()
		change(ci)
		if SameCalibration(m, ci) {
			t.Errorf("%s changed, yet the calibration reads as the same", name)
		}
	}
}
