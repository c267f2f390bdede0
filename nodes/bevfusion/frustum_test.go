package bevfusionnode

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/lss"
)

// TestCardFrustum checks the encoder card's frustum parameter: absent means
// BEVFusion's linspace (its exports run unchanged), pixel_centers is read,
// anything else is refused naming the parameter, and the lifter builds its
// geometry with what the card says.
func TestCardFrustum(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	withFrustum := encoderCard(1)
	if !strings.Contains(withFrustum, ", frustum: pixel_centers}") {
		t.Fatal("the test encoder card no longer says frustum: pixel_centers")
	}
	g := bev.Grid{XMin: testGridMin, XMax: -testGridMin, YMin: testGridMin, YMax: -testGridMin, Resolution: testRes}
	for _, c := range []struct {
		stem, card string
		want       lss.Sampling
	}{
		{"default", strings.Replace(withFrustum, ", frustum: pixel_centers}", "}", 1), lss.SampleLinspace},
		{"linspace", strings.Replace(withFrustum, "pixel_centers", "linspace", 1), lss.SampleLinspace},
		{"centers", withFrustum, lss.SampleCentre},
	} {
		e, err := openEncoder(writeModel(t, dir, c.stem, encoderGraph(1), c.card), []string{"cpu"}, 1, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.stem, err)
		}
		l, err := newLifter(e, g, bev.LayoutYX, -5, 3, e.depthMin, e.depthMax, e.depthStep, e.c)
		if err != nil {
			t.Fatalf("%s: %v", c.stem, err)
		}
		if e.sampling != c.want || l.cfg.Sampling != c.want {
			t.Errorf("%s: encoder sampling %v, lifter %v, want %v", c.stem, e.sampling, l.cfg.Sampling, c.want)
		}
		e.m.Close()
	}
	for _, bad := range []string{"centres", "1"} {
		card := strings.Replace(withFrustum, "pixel_centers", bad, 1)
		_, err := openEncoder(writeModel(t, dir, "bad", encoderGraph(1), card), []string{"cpu"}, 1, nil)
		if err == nil || !strings.Contains(err.Error(), "frustum") {
			t.Errorf("frustum %s: error %v, want one naming the card parameter frustum", bad, err)
		}
	}
}

// TestBundledCameraCardFrustum checks that models/bev-small-camera keeps the
// pixel-centre frustum it was trained with (simulate's frustum_cells).
func TestBundledCameraCardFrustum(t *testing.T) {
	needORT(t)
	e, err := openEncoder(filepath.Join("..", "..", "models", "bev-small-camera.onnx"), []string{"cpu"}, 6, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.m.Close()
	if e.sampling != lss.SampleCentre {
		t.Fatalf("bev-small-camera frustum %v, want pixel_centers", e.sampling)
	}
}
