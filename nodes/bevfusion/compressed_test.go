package bevfusionnode

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

func pngImage(tb testing.TB, ns int64, w, h int) *sensor_msgs.CompressedImage {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 8), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return &sensor_msgs.CompressedImage{Header: hdr(ns, "cam_optical"), Format: "png", Data: buf.Bytes()}
}

// TestCompressedImages reads <name>/image/compressed; a PNG of another size
// than the CameraInfo masks the camera after decoding.
func TestCompressedImages(t *testing.T) {
	r := newRigModel(t, []string{"front"}, true, fuserGraph(), fuserCard, map[string]any{"compressed_images": true})
	if in := r.n.Inputs(); in[1].Name != "front/image/compressed" || in[1].Type != sensor_msgs.CompressedImageTypeName {
		t.Fatalf("inputs %+v", in)
	}
	ts := 4 * sec
	r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 40))
	r.send(t, "front/image/compressed", pngImage(t, ts, imgW, imgH))
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	if f := r.fact("camera.front"); f != "ok" {
		t.Fatalf("camera.front %q", f)
	}
	checkDetection(t, r, ts)
	ts += sec
	r.send(t, "front/image/compressed", pngImage(t, ts, 40, imgH))
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	if f := r.fact("camera.front"); !strings.HasPrefix(f, "masked: "+MaskSizeDiffer) {
		t.Fatalf("camera.front %q, want a size mismatch", f)
	}
	checkDetection(t, r, ts)
}
