package infer_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
)

const rangenetCard = `name: rangenet-small
version: 1.0.0
task: lidar-segmentation
family: rangenet
description: RangeNet++ style, HDL-64E, 64x2048
inputs:
  - {name: in, shape: [1, 5, 64, 2048], type: float32, layout: NCHW}
outputs:
  - {name: out, shape: [batch, 20, 64, -1], type: float}
normalisation:
  mean: [12.12, 10.88, 0.23, -1.04, 0.21]
  std: [12.32, 11.47, 6.91, 0.86, 0.16]
classes:
  - {id: 0, name: unlabeled, raw_id: 0, colour: [0, 0, 0]}
  - {id: 1, name: car, raw_id: 10, colour: [245, 150, 100]}
parameters:
  fov_up_deg: 3.0
  fov_down_deg: -25
  knn: {k: 5, search: 5}
provenance:
  training_data: SemanticKITTI sequences 00-10 except 08
  seed: 7
  command: python train.py -c small.yaml
  license: MIT
metrics:
  miou: 0.52
`

func TestLoadCard(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rangenet.card.yaml")
	if err := os.WriteFile(p, []byte(rangenetCard), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := infer.LoadCard(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "rangenet-small" || c.Family != "rangenet" || c.DecoderName() != "rangenet" {
		t.Errorf("card %+v", c)
	}
	in, ok := c.Input("in")
	if !ok || in.Shape.String() != "[1 5 64 2048]" || in.Type != infer.Float32 || in.Layout != "NCHW" {
		t.Errorf("input %+v", in)
	}
	out, _ := c.Output("out")
	if out.Shape.String() != "[batch 20 64 -1]" || !out.Shape[0].Dynamic() || !out.Shape[3].Dynamic() || out.Type != infer.Float32 {
		t.Errorf("output %+v (%s)", out, out.Shape)
	}
	if len(c.Normalisation.Std) != 5 || c.Normalisation.Mean[3] != -1.04 {
		t.Errorf("normalisation %+v", c.Normalisation)
	}
	if len(c.Classes) != 2 || *c.Classes[1].RawID != 10 || c.Classes[1].Colour[0] != 245 {
		t.Errorf("classes %+v", c.Classes)
	}
	if v, ok := c.Param("fov_down_deg"); !ok || v != -25 {
		t.Errorf("fov_down_deg %v %v", v, ok)
	}
	if _, ok := c.Param("knn"); ok {
		t.Error("Param on a map is a number")
	}
	if c.Paint != nil {
		t.Errorf("card without paint: %+v", c.Paint)
	}
	if *c.Provenance.Seed != 7 || c.Provenance.License != "MIT" || c.Metrics["miou"] != 0.52 {
		t.Errorf("provenance %+v metrics %v", c.Provenance, c.Metrics)
	}
}

// TestLoadCardPaint reads a painted model's channels and cameras.
func TestLoadCardPaint(t *testing.T) {
	src := strings.Replace(rangenetCard, "[1, 5, 64, 2048]", "[1, 9, 64, 2048]", 1) +
		"paint: {cameras: [cam_front, cam_front_left], channels: [r, g, b, valid]}\n"
	c, err := infer.ParseCard([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Paint; p == nil || strings.Join(p.Cameras, ",") != "cam_front,cam_front_left" || strings.Join(p.Channels, ",") != "r,g,b,valid" {
		t.Errorf("paint %+v", c.Paint)
	}
}

func TestCardPathFor(t *testing.T) {
	for in, want := range map[string]string{
		"models/rangenet.onnx": "models/rangenet.card.yaml",
		"/m/model.onnx":        "/m/model.card.yaml",
		"x":                    "x.card.yaml",
	} {
		if got := infer.CardPathFor(in); got != want {
			t.Errorf("CardPathFor(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCardErrors checks that each invalid card names its field.
func TestCardErrors(t *testing.T) {
	valid := "name: n\nversion: v\ntask: t\nfamily: f\n" +
		"inputs: [{name: x, shape: [1, 4], type: float32}]\n" +
		"outputs: [{name: y, shape: [1, 4], type: float32}]\n"
	if _, err := infer.ParseCard([]byte(valid)); err != nil {
		t.Fatalf("valid card: %v", err)
	}
	cases := []struct {
		name, from, to, field string
	}{
		{"no name", "name: n\n", "", "name"},
		{"blank version", "version: v", "version: ' '", "version"},
		{"no task", "task: t\n", "", "task"},
		{"no family", "family: f\n", "", "family"},
		{"no inputs", "inputs: [{name: x, shape: [1, 4], type: float32}]\n", "", "inputs"},
		{"no outputs", "outputs: [{name: y, shape: [1, 4], type: float32}]\n", "outputs: []\n", "outputs"},
		{"input name", "{name: x, ", "{", "inputs[0].name"},
		{"duplicate output", "outputs: [{name: y, shape: [1, 4], type: float32}]", "outputs: [{name: y, shape: [1], type: float32}, {name: y, shape: [1], type: float32}]", "outputs[1].name"},
		{"no shape", "shape: [1, 4], type: float32}]\noutputs", "type: float32}]\noutputs", "inputs[0].shape"},
		{"zero dim", "shape: [1, 4], type: float32}]\noutputs", "shape: [1, 0], type: float32}]\noutputs", "inputs[0].shape[1]"},
		{"bad dim", "shape: [1, 4], type: float32}]\noutputs", "shape: [1, -3], type: float32}]\noutputs", "inputs[0].shape[1]"},
		{"no type", ", type: float32}]\n\n", "}]\n", "outputs[0].type"},
		{"bad type", "[1, 4], type: float32}]\n\n", "[1, 4], type: float42}]\n", "outputs[0].type"},
		{"std length", "family: f\n", "family: f\nnormalisation: {mean: [1, 2], std: [1]}\n", "normalisation.std"},
		{"std zero", "family: f\n", "family: f\nnormalisation: {mean: [1], std: [0]}\n", "normalisation.std[0]"},
		{"colour order", "family: f\n", "family: f\nnormalisation: {colour_order: rbg}\n", "normalisation.colour_order"},
		{"class id", "family: f\n", "family: f\nclasses: [{id: 1, name: a}, {id: 1, name: b}]\n", "classes[1].id"},
		{"class name", "family: f\n", "family: f\nclasses: [{id: 1}]\n", "classes[0].name"},
		{"class colour", "family: f\n", "family: f\nclasses: [{id: 1, name: a, colour: [1, 2]}]\n", "classes[0].colour"},
		{"paint cameras", "family: f\n", "family: f\npaint: {channels: [r]}\n", "paint.cameras"},
		{"paint channels", "family: f\n", "family: f\npaint: {cameras: [a], channels: []}\n", "paint.channels"},
		{"paint repeated camera", "family: f\n", "family: f\npaint: {cameras: [a, a], channels: [r]}\n", "paint.cameras[1]"},
		{"paint empty channel", "family: f\n", "family: f\npaint: {cameras: [a], channels: [r, '']}\n", "paint.channels[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := valid
			if tc.from == ", type: float32}]\n\n" || tc.from == "[1, 4], type: float32}]\n\n" {
				// The output's type: the last occurrence in the card.
				i := strings.LastIndex(src, strings.TrimSuffix(tc.from, "\n"))
				src = src[:i] + tc.to
			} else {
				if !strings.Contains(src, tc.from) {
					t.Fatalf("case does not apply: %q", tc.from)
				}
				src = strings.Replace(src, tc.from, tc.to, 1)
			}
			_, err := infer.ParseCard([]byte(src))
			var ce *infer.CardError
			if !errors.As(err, &ce) || !errors.Is(err, infer.ErrCard) {
				t.Fatalf("got %v, want a CardError", err)
			}
			if ce.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", ce.Field, tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.field+": ") {
				t.Errorf("message %q does not name %s", err, tc.field)
			}
		})
	}
	for name, src := range map[string]string{
		"unknown key": valid + "colour_order: rgb\n",
		"empty":       "",
		"not yaml":    "{[",
		"bad dim":     strings.Replace(valid, "[1, 4]", "[1, 2.5]", 1),
	} {
		if _, err := infer.ParseCard([]byte(src)); !errors.Is(err, infer.ErrCard) {
			t.Errorf("%s: got %v, want ErrCard", name, err)
		}
	}
	if _, err := infer.ParseCard([]byte(valid + "#" + strings.Repeat("x", infer.MaxCardSize))); !errors.Is(err, infer.ErrCard) {
		t.Errorf("oversized card: %v", err)
	}
}

func FuzzParseCard(f *testing.F) {
	f.Add([]byte(rangenetCard))
	f.Add([]byte(affineCard))
	f.Add([]byte("inputs: [{shape: [N, -1, 0, x]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := infer.ParseCard(data)
		if err != nil {
			if !errors.Is(err, infer.ErrCard) {
				t.Fatalf("error %v does not wrap ErrCard", err)
			}
			return
		}
		if c.Name == "" || len(c.Inputs) == 0 || len(c.Outputs) == 0 {
			t.Fatalf("invalid card accepted: %+v", c)
		}
	})
}
