package infer

import (
	"fmt"
	"slices"
	"strings"
)

// Families of multi-camera BEV models whose cards carry CameraGeometry
// (docs/BEV_MODELS.md).
const (
	// FamilyBEVQuery is a query-based detector (DETR3D, PETR, BEVFormer's
	// detection head): images and per-camera projection matrices in, a
	// fixed set of boxes (BoxSet) out, no NMS.
	FamilyBEVQuery = "bev-query"
	// FamilyBEVCamera is CUDA-BEVFusion's camera encoder (depth and
	// context per feature cell, lifted by bev/lss); with
	// CameraGeometry.MLPInput it is BEVDepth's camera-aware depth net.
	FamilyBEVCamera = "bev-camera"
)

// CameraGeometry declares which of a multi-camera model's inputs carry the
// rig's geometry and how the node builds them, per camera, at each image's
// stamp. "Frame" is the frame the model's 3D coordinates live in; the node
// builds every matrix from TF (the camera's optical frame in Frame at its
// image stamp) and CameraInfo K, with the image augmentation ImageAug
// (resize, then crop) folded in as BEVDet and PETR fold theirs.
//
//	camera_geometry:
//	  images: img                 # [N,3,H,W]
//	  lidar2img: lidar2img        # [N,4,4]: [A·K | 0] · (frame ← optical)⁻¹
//	  frame: base_frame
//	  image_aug: {resize: 0.5, crop: bottom_center}
type CameraGeometry struct {
	// Images names the image input, [N,3,H,W] (or [1,N,3,H,W]). Required.
	Images string `yaml:"images"`
	// Lidar2Img names the input of the per-camera projection [N,4,4]
	// (or [1,N,4,4]): a point (x, y, z, 1) in Frame maps to (u·d, v·d, d,
	// 1) with (u, v) the network-input pixel and d the depth. PETR's and
	// DETR3D's lidar2img, BEVFormer's img_metas lidar2img.
	Lidar2Img string `yaml:"lidar2img,omitempty"`
	// Intrinsics names an input [N,3,3] or [N,4,4] of A·K (the
	// augmentation A applied; a 4×4 is viewpad'ed with the identity).
	Intrinsics string `yaml:"intrinsics,omitempty"`
	// Extrinsics names an input [N,4,4] of Frame ← camera optical frame
	// (BEVDepth's sensor2ego).
	Extrinsics string `yaml:"extrinsics,omitempty"`
	// MLPInput names BEVDepth's camera-aware input [N,K] (or [1,1,N,K])
	// feeding its depth net's SE layers; MLPLayout says what its K values
	// are.
	MLPInput string `yaml:"mlp_input,omitempty"`
	// MLPLayout names MLPInput's values in order; empty means BEVDepth's
	// 27 (MLPLayoutBEVDepth). Names are in MLPNames.
	MLPLayout []string `yaml:"mlp_layout,omitempty,flow"`
	// Frame is the frame of the model's 3D coordinates: "base_frame"
	// (default: the node's base_frame parameter, base_link) or a TF frame
	// name (a nuScenes export expects its lidar's frame, LIDAR_TOP).
	Frame string `yaml:"frame,omitempty"`
	// ImageAug is the test-time image augmentation the model was trained
	// with.
	ImageAug ImageAug `yaml:"image_aug,omitempty"`
}

// ImageAug is a test-time resize-and-crop, as BEVDet's and PETR's
// ResizeCropFlipImage do it: scale the original image by Resize, then crop
// the network input's W×H window.
type ImageAug struct {
	// Resize is the scale; 0 fits the original width to the input width.
	Resize float64 `yaml:"resize,omitempty"`
	// Crop places the window: "bottom_center" (the default: BEVDet's and
	// CUDA-BEVFusion's test crop, rows cut off the top, columns evenly off
	// both sides).
	Crop string `yaml:"crop,omitempty"`
}

// BoxSet declares a DETR-style fixed set of Q box hypotheses: decoded by
// score threshold and top-k, never NMS'd.
//
//	box_set:
//	  boxes: boxes       # [Q,10], [1,Q,10] or [L,1,Q,10] (the last layer's)
//	  logits: logits     # [Q,K] likewise
//	  layout: [x, y, z, w, l, h, sin, cos, vx, vy]
//	  size: log
//	  scores: sigmoid
type BoxSet struct {
	// Boxes names the box output. Required.
	Boxes string `yaml:"boxes"`
	// Logits names the class score output [Q,K]. Required.
	Logits string `yaml:"logits"`
	// Layout names the columns of Boxes (BoxColumns). x, y, w, l, h and
	// either sin and cos or yaw are required; z, vx, vy are optional.
	// w is the size across the heading, l along it (mmdet3d ≥ 1.0's
	// columns 3, 4 are l, w in these names: dx, dy).
	Layout []string `yaml:"layout,flow"`
	// Size is "log" (mmdet3d's NMSFreeCoder: exp gives metres) or
	// "linear" (metres). Default log.
	Size string `yaml:"size,omitempty"`
	// Scores is "sigmoid" (logits per class, DETR3D and PETR's focal
	// loss; the default), "softmax" (DETR's: the last class is "no
	// object") or "probability".
	Scores string `yaml:"scores,omitempty"`
	// YawSign and YawOffset map the model's yaw to REP-103's (from +x,
	// counter-clockwise): yaw = YawSign·yaw_model + YawOffset. YawSign 0
	// means 1. mmdet3d 0.x's LiDAR boxes (w and l swapped, yaw from −y) are
	// YawSign −1, YawOffset −π/2.
	YawSign   float64 `yaml:"yaw_sign,omitempty"`
	YawOffset float64 `yaml:"yaw_offset,omitempty"`
}

// BoxColumns are the names BoxSet.Layout may use.
var BoxColumns = []string{"x", "y", "z", "w", "l", "h", "sin", "cos", "yaw", "vx", "vy"}

// MLPLayoutBEVDepth is BEVDepth's mlp_input (DepthNet.forward in
// bevdepth/layers/backbones/base_lss_fpn.py): intrinsics fx, fy, cx, cy;
// the image augmentation's ida[0,0], ida[0,1], ida[0,3], ida[1,0],
// ida[1,1], ida[1,3]; the BEV augmentation's bda[0,0], bda[0,1],
// bda[1,0], bda[1,1], bda[2,2] (identity at inference); then sensor2ego's
// top three rows, row-major (r00, r01, r02, tx, r10, ..., tz).
var MLPLayoutBEVDepth = []string{"fx", "fy", "cx", "cy",
	"ida00", "ida01", "ida03", "ida10", "ida11", "ida13",
	"bda00", "bda01", "bda10", "bda11", "bda22",
	"e00", "e01", "e02", "e03", "e10", "e11", "e12", "e13", "e20", "e21", "e22", "e23"}

// MLPNames are the values an mlp_layout may name: fx, fy, cx, cy (K of
// the original image), ida<r><c> (the 4×4 augmentation: rows 0–1, columns
// 0, 1, 3), bda<r><c> (rows and columns 0–2; the identity), e<r><c>
// (Frame ← optical, rows 0–2, columns 0–3).
func MLPNames() []string {
	names := []string{"fx", "fy", "cx", "cy"}
	for r := range 2 {
		for _, c := range []int{0, 1, 3} {
			names = append(names, fmt.Sprintf("ida%d%d", r, c))
		}
	}
	for r := range 3 {
		for c := range 3 {
			names = append(names, fmt.Sprintf("bda%d%d", r, c))
		}
	}
	for r := range 3 {
		for c := range 4 {
			names = append(names, fmt.Sprintf("e%d%d", r, c))
		}
	}
	return names
}

// MLPLayoutOrDefault returns g.MLPLayout, or BEVDepth's when empty.
func (g *CameraGeometry) MLPLayoutOrDefault() []string {
	if len(g.MLPLayout) == 0 {
		return MLPLayoutBEVDepth
	}
	return g.MLPLayout
}

// lastDims returns the last n dimensions of a spec's shape, or nil.
func lastDims(s TensorSpec, n int) Shape {
	if len(s.Shape) < n {
		return nil
	}
	return s.Shape[len(s.Shape)-n:]
}

// fixed reports whether d is the fixed size want.
func fixed(d Dim, want int64) bool { return d.Size == want }

// validateBEV checks CameraGeometry and BoxSet against the card's inputs
// and outputs, and that a bev-query card has both.
func (c *Card) validateBEV() error {
	bad := func(field, format string, args ...any) error {
		return &CardError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if c.Family == FamilyBEVQuery {
		if c.CameraGeometry == nil {
			return bad("camera_geometry", "required for family %s", FamilyBEVQuery)
		}
		if c.BoxSet == nil {
			return bad("box_set", "required for family %s", FamilyBEVQuery)
		}
	}
	if g := c.CameraGeometry; g != nil {
		input := func(field, name string) (TensorSpec, error) {
			s, ok := c.Input(name)
			if !ok {
				return s, bad("camera_geometry."+field, "%q is not an input", name)
			}
			return s, nil
		}
		if g.Images == "" {
			return bad("camera_geometry.images", "required")
		}
		img, err := input("images", g.Images)
		if err != nil {
			return err
		}
		if d := lastDims(img, 4); d == nil || !fixed(d[1], 3) || len(img.Shape) > 5 {
			return bad("camera_geometry.images", "input %q shape %s, want [N,3,H,W] or [1,N,3,H,W]", g.Images, img.Shape)
		}
		if g.Lidar2Img == "" && g.MLPInput == "" && (g.Intrinsics == "" || g.Extrinsics == "") {
			return bad("camera_geometry", "names no geometry input: want lidar2img, mlp_input, or intrinsics and extrinsics")
		}
		if (g.Intrinsics == "") != (g.Extrinsics == "") {
			return bad("camera_geometry", "intrinsics and extrinsics go together")
		}
		for _, m := range []struct {
			field, name string
			sizes       [][2]int64
		}{{"lidar2img", g.Lidar2Img, [][2]int64{{4, 4}}}, {"intrinsics", g.Intrinsics, [][2]int64{{3, 3}, {4, 4}}}, {"extrinsics", g.Extrinsics, [][2]int64{{4, 4}}}} {
			if m.name == "" {
				continue
			}
			s, err := input(m.field, m.name)
			if err != nil {
				return err
			}
			d := lastDims(s, 2)
			ok := d != nil && len(s.Shape) >= 3 && len(s.Shape) <= 4
			if ok {
				ok = false
				for _, sz := range m.sizes {
					ok = ok || fixed(d[0], sz[0]) && fixed(d[1], sz[1])
				}
			}
			if !ok {
				return bad("camera_geometry."+m.field, "input %q shape %s, want [N,%d,%d] or [1,N,%d,%d]", m.name, s.Shape, m.sizes[0][0], m.sizes[0][1], m.sizes[0][0], m.sizes[0][1])
			}
		}
		if g.MLPInput != "" {
			s, err := input("mlp_input", g.MLPInput)
			if err != nil {
				return err
			}
			layout := g.MLPLayoutOrDefault()
			known := MLPNames()
			seen := map[string]bool{}
			for i, n := range layout {
				if !slices.Contains(known, n) || seen[n] {
					return bad(fmt.Sprintf("camera_geometry.mlp_layout[%d]", i), "unknown or repeated value %q; want one of %s", n, strings.Join(known, ", "))
				}
				seen[n] = true
			}
			if d := lastDims(s, 1); d == nil || len(s.Shape) < 2 || len(s.Shape) > 4 || !fixed(d[0], int64(len(layout))) {
				return bad("camera_geometry.mlp_input", "input %q shape %s, want [N,%d] (its last axis the %d values of mlp_layout)", g.MLPInput, s.Shape, len(layout), len(layout))
			}
		}
		switch g.Frame {
		case "", "base_frame":
		default:
			if strings.TrimSpace(g.Frame) != g.Frame || strings.ContainsAny(g.Frame, " \t") {
				return bad("camera_geometry.frame", "%q is not a TF frame name", g.Frame)
			}
		}
		if a := g.ImageAug; !(a.Resize >= 0) || a.Resize > 16 {
			return bad("camera_geometry.image_aug.resize", "%g, want 0 (fit the width) or a scale in (0, 16]", a.Resize)
		}
		switch g.ImageAug.Crop {
		case "", "bottom_center":
		default:
			return bad("camera_geometry.image_aug.crop", "%q, want bottom_center", g.ImageAug.Crop)
		}
	}
	if b := c.BoxSet; b != nil {
		bs, ok := c.Output(b.Boxes)
		if !ok {
			return bad("box_set.boxes", "%q is not an output", b.Boxes)
		}
		ls, ok := c.Output(b.Logits)
		if !ok {
			return bad("box_set.logits", "%q is not an output", b.Logits)
		}
		seen := map[string]bool{}
		for i, n := range b.Layout {
			if !slices.Contains(BoxColumns, n) || seen[n] {
				return bad(fmt.Sprintf("box_set.layout[%d]", i), "unknown or repeated column %q; want %s", n, strings.Join(BoxColumns, ", "))
			}
			seen[n] = true
		}
		for _, n := range []string{"x", "y", "w", "l", "h"} {
			if !seen[n] {
				return bad("box_set.layout", "lacks %s", n)
			}
		}
		if !(seen["sin"] && seen["cos"]) == !seen["yaw"] {
			return bad("box_set.layout", "want sin and cos, or yaw (not both)")
		}
		if seen["vx"] != seen["vy"] {
			return bad("box_set.layout", "vx and vy go together")
		}
		if len(bs.Shape) < 2 || len(bs.Shape) > 4 || !fixed(bs.Shape[len(bs.Shape)-1], int64(len(b.Layout))) {
			return bad("box_set.boxes", "output %q shape %s, want [Q,%d], [1,Q,%d] or [L,1,Q,%d] for the layout's %d columns", b.Boxes, bs.Shape, len(b.Layout), len(b.Layout), len(b.Layout), len(b.Layout))
		}
		if len(ls.Shape) != len(bs.Shape) || !slices.Equal(ls.Shape[:len(ls.Shape)-1], bs.Shape[:len(bs.Shape)-1]) {
			return bad("box_set.logits", "output %q shape %s, want %s's leading dimensions %s", b.Logits, ls.Shape, b.Boxes, bs.Shape[:len(bs.Shape)-1])
		}
		k := ls.Shape[len(ls.Shape)-1]
		if k.Size < 1 {
			return bad("box_set.logits", "output %q: the class axis must be fixed", b.Logits)
		}
		switch b.Size {
		case "", "log", "linear":
		default:
			return bad("box_set.size", "%q, want log or linear", b.Size)
		}
		switch b.Scores {
		case "", "sigmoid", "probability":
		case "softmax":
			if k.Size < 2 {
				return bad("box_set.scores", "softmax needs a no-object class after the real ones")
			}
		default:
			return bad("box_set.scores", "%q, want sigmoid, softmax or probability", b.Scores)
		}
		if b.YawSign != 0 && b.YawSign != 1 && b.YawSign != -1 {
			return bad("box_set.yaw_sign", "%g, want 1 or -1", b.YawSign)
		}
	}
	return nil
}
