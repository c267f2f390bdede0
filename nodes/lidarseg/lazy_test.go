package lidarsegnode

import (
	"testing"
)

// watched is a capture that says which topics have subscribers, as the
// live driver does (node.Listener).
type watched struct {
	capture
	listened map[string]bool
}

func (w *watched) Listened(topic string) bool { return w.listened[topic] }

// TestRangeImageOnlyWhenWatched: live, the range image is published only
// while someone subscribes; the labelled cloud either way.
func TestRangeImageOnlyWhenWatched(t *testing.T) {
	n, _ := newNode(t, map[string]any{"projection.height": 16, "projection.width": 64})
	pts := scene(16, 64)
	w := &watched{listened: map[string]bool{}}
	send := func() {
		t.Helper()
		if err := n.Handle(msgOf(encodeCloud(pts, layouts[0].fields, false, 1, 0)), w); err != nil {
			t.Fatal(err)
		}
	}
	send()
	if k := len(w.msgs["~/range_image"]); k != 0 {
		t.Errorf("%d range images published with no subscriber", k)
	}
	w.listened["~/range_image"] = true
	send()
	if k := len(w.msgs["~/range_image"]); k != 1 {
		t.Errorf("%d range images published once subscribed, want 1", k)
	}
	if k := len(w.msgs["~/labelled"]); k != 2 {
		t.Errorf("%d labelled clouds, want 2 (topics: %v)", k, keys(w.msgs))
	}
}

func keys(m map[string][][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
