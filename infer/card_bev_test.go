package infer_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
)

// queryCard is a PETR-like card: images and lidar2img in, a box set out.
const queryCard = `name: q
version: '1'
task: bev detection
family: bev-query
inputs:
- {name: img, shape: [-1, 3, 96, 352], type: float32}
- {name: lidar2img, shape: [-1, 4, 4], type: float32}
outputs:
- {name: boxes, shape: [144, 10], type: float32}
- {name: logits, shape: [144, 4], type: float32}
camera_geometry: {images: img, lidar2img: lidar2img, frame: base_frame, image_aug: {resize: 0.5, crop: bottom_center}}
box_set: {boxes: boxes, logits: logits, layout: [x, y, z, w, l, h, sin, cos, vx, vy], size: log, scores: sigmoid}
`

// depthCard is a BEVDepth-style camera encoder: images and mlp_input in.
const depthCard = `name: d
version: '1'
task: bev camera encoder
family: bev-camera
inputs:
- {name: img, shape: [6, 3, 256, 704], type: float32}
- {name: mlp_input, shape: [6, 27], type: float32}
outputs:
- {name: depth, shape: [6, 118, 16, 44], type: float32}
- {name: feature, shape: [6, 80, 16, 44], type: float32}
camera_geometry: {images: img, mlp_input: mlp_input}
`

func TestLoadCardBEVGeometry(t *testing.T) {
	c, err := infer.ParseCard([]byte(queryCard))
	if err != nil {
		t.Fatal(err)
	}
	g, b := c.CameraGeometry, c.BoxSet
	if g == nil || g.Images != "img" || g.Lidar2Img != "lidar2img" || g.ImageAug.Resize != 0.5 || g.ImageAug.Crop != "bottom_center" {
		t.Errorf("camera_geometry %+v", g)
	}
	if b == nil || b.Boxes != "boxes" || b.Logits != "logits" || strings.Join(b.Layout, ",") != "x,y,z,w,l,h,sin,cos,vx,vy" || b.Size != "log" {
		t.Errorf("box_set %+v", b)
	}
	d, err := infer.ParseCard([]byte(depthCard))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.CameraGeometry.MLPLayoutOrDefault(); len(got) != 27 || got[0] != "fx" || got[6] != "ida03" || got[15] != "e00" || got[26] != "e23" {
		t.Errorf("default mlp layout %v", got)
	}
	// A documented subset is accepted when the input has as many values.
	sub := strings.Replace(strings.Replace(depthCard, "[6, 27]", "[6, 4]", 1), "mlp_input: mlp_input}", "mlp_input: mlp_input, mlp_layout: [fx, fy, cx, cy]}", 1)
	if _, err := infer.ParseCard([]byte(sub)); err != nil {
		t.Errorf("subset layout: %v", err)
	}
}

// TestBEVCardErrors checks that each inconsistent geometry or box-set
// field is refused and named.
func TestBEVCardErrors(t *testing.T) {
	cases := []struct {
		name, card, from, to, field string
	}{
		{"query without geometry", queryCard, "camera_geometry: {images: img, lidar2img: lidar2img, frame: base_frame, image_aug: {resize: 0.5, crop: bottom_center}}\n", "", "camera_geometry"},
		{"query without box set", queryCard, "box_set: {", "#", "box_set"},
		{"images not an input", queryCard, "images: img,", "images: image,", "camera_geometry.images"},
		{"images not 3 channels", queryCard, "[-1, 3, 96, 352]", "[-1, 4, 96, 352]", "camera_geometry.images"},
		{"lidar2img 3x4", queryCard, "[-1, 4, 4]", "[-1, 3, 4]", "camera_geometry.lidar2img"},
		{"lidar2img missing", queryCard, "lidar2img: lidar2img,", "lidar2img: l2i,", "camera_geometry.lidar2img"},
		{"no geometry input", queryCard, "lidar2img: lidar2img,", "", "camera_geometry"},
		{"intrinsics alone", queryCard, "lidar2img: lidar2img,", "lidar2img: lidar2img, intrinsics: lidar2img,", "camera_geometry"},
		{"bad crop", queryCard, "crop: bottom_center", "crop: top_left", "camera_geometry.image_aug.crop"},
		{"negative resize", queryCard, "resize: 0.5", "resize: -1", "camera_geometry.image_aug.resize"},
		{"bad frame", queryCard, "frame: base_frame", "frame: 'a b'", "camera_geometry.frame"},
		{"box column unknown", queryCard, "[x, y, z, w, l, h, sin, cos, vx, vy]", "[x, y, z, w, l, h, sin, cos, vx, vz]", "box_set.layout[9]"},
		{"box column repeated", queryCard, "[x, y, z, w, l, h, sin, cos, vx, vy]", "[x, y, z, w, l, h, sin, cos, vx, x]", "box_set.layout[9]"},
		{"no heading", queryCard, "[x, y, z, w, l, h, sin, cos, vx, vy]", "[x, y, z, w, l, h, sin, vx, vy]", "box_set.layout"},
		{"yaw and sin cos", queryCard, "[x, y, z, w, l, h, sin, cos, vx, vy]", "[x, y, z, w, l, h, sin, cos, yaw, vx]", "box_set.layout"},
		{"width missing", queryCard, "[x, y, z, w, l, h, sin, cos, vx, vy]", "[x, y, z, l, h, sin, cos, vx, vy]", "box_set.layout"},
		{"columns differ from output", queryCard, "{name: boxes, shape: [144, 10]", "{name: boxes, shape: [144, 9]", "box_set.boxes"},
		{"logits queries differ", queryCard, "{name: logits, shape: [144, 4]", "{name: logits, shape: [100, 4]", "box_set.logits"},
		{"logits not an output", queryCard, "logits: logits, layout", "logits: scores, layout", "box_set.logits"},
		{"bad size", queryCard, "size: log", "size: exp", "box_set.size"},
		{"bad scores", queryCard, "scores: sigmoid", "scores: relu", "box_set.scores"},
		{"mlp width", depthCard, "[6, 27]", "[6, 26]", "camera_geometry.mlp_input"},
		{"mlp unknown value", depthCard, "mlp_input: mlp_input}", "mlp_input: mlp_input, mlp_layout: [fx, fz]}", "camera_geometry.mlp_layout[1]"},
		{"mlp not an input", depthCard, "mlp_input: mlp_input}", "mlp_input: mlp}", "camera_geometry.mlp_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.card, tc.from) {
				t.Fatalf("case does not apply: %q", tc.from)
			}
			_, err := infer.ParseCard([]byte(strings.Replace(tc.card, tc.from, tc.to, 1)))
			var ce *infer.CardError
			if !errors.As(err, &ce) || !errors.Is(err, infer.ErrCard) {
				t.Fatalf("got %v, want a CardError", err)
			}
			if ce.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", ce.Field, tc.field, err)
			}
		})
	}
}
