package bevfusionnode

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
)

// TestFuserModes: a fuser card's modes parameter names the modes the fuser
// was trained for. Run in one of them, /diagnostics says so and nothing is
// logged; run in another (a camera-only fuser fed a lidar, or with its
// cameras removed), /diagnostics and one warning on the log name the mode
// and the model. A malformed list refuses the model.
func TestFuserModes(t *testing.T) {
	camOnly := fuserCard + "  modes: [camera_only]\n"
	cases := []struct {
		name   string
		cams   []string
		extra  map[string]any
		mode   string
		warned bool
	}{
		{"camera-only fuser, no cloud", []string{"front"}, map[string]any{"cloud_topic": ""}, ModeCameraOnly, false},
		{"camera-only fuser, with a cloud", []string{"front"}, nil, ModeFused, true},
		{"camera-only fuser, no cameras", nil, map[string]any{"encoder_model": ""}, ModeLidarOnly, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
			extra := []map[string]any{}
			if c.extra != nil {
				extra = append(extra, c.extra)
			}
			r := newRigModelLog(t, log, c.cams, true, cameraFuserGraph(), camOnly, extra...)
			fact := r.fact(FactFuserModes)
			if !strings.HasPrefix(fact, "running "+c.mode) || !strings.Contains(fact, "trained for camera_only") {
				t.Errorf("%s fact %q, want running %s, trained for camera_only", FactFuserModes, fact, c.mode)
			}
			warned := strings.Contains(logs.String(), "not trained for")
			if warned != c.warned || (c.warned && (!strings.Contains(logs.String(), "fuser.onnx") || !strings.Contains(fact, "expect poorer"))) {
				t.Errorf("warned %v, want %v; fact %q; log %q", warned, c.warned, fact, logs.String())
			}
		})
	}
	// A card without modes says nothing.
	r := newRigModel(t, []string{"front"}, true, cameraFuserGraph(), fuserCard)
	if f := r.fact(FactFuserModes); f != "" {
		t.Errorf("a card without modes: %s fact %q, want none", FactFuserModes, f)
	}
	// A misspelt mode refuses the model, naming the parameter.
	for _, bad := range []string{"  modes: [camera]\n", "  modes: camera_only\n", "  modes: []\n"} {
		env := node.Env{Name: "bevfusion", Params: paramSet(rigValues(t, []string{"front"}, true, cameraFuserGraph(), fuserCard+bad)),
			Stats: node.NewStats(), Log: slog.New(slog.DiscardHandler)}
		_, err := New(env)
		if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), "modes") {
			t.Errorf("card %q: %v, want ErrModel naming modes", strings.TrimSpace(bad), err)
		}
	}
}
