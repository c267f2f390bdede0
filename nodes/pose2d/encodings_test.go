package pose2dnode

import (
	"testing"
)

// TestEncodings runs every colour encoding the issue lists through the node,
// with row padding in the step, and expects the known skeleton each time.
func TestEncodings(t *testing.T) {
	n, _ := newNode(t, map[string]any{"depth.topic": ""})
	for _, tc := range []struct {
		enc  string
		bpp  float64
		rows float64
	}{
		{"rgb8", 3, 1}, {"bgr8", 3, 1}, {"rgba8", 4, 1}, {"bgra8", 4, 1}, {"mono8", 1, 1},
		{"yuv422", 2, 1}, {"yuv422_yuy2", 2, 1}, {"nv12", 1, 1.5},
	} {
		step := int(float64(imgW)*tc.bpp) + 8
		data := make([]byte, int(float64(step*imgH)*tc.rows))
		for i := range data {
			data[i] = byte(40 + i%150)
		}
		var r recorder
		if err := n.Handle(imageMsg(header(frameID), tc.enc, imgW, imgH, step, data), &r); err != nil {
			t.Fatalf("%s: %v", tc.enc, err)
		}
		checkSkeletons(t, &r, 1)
	}
}
