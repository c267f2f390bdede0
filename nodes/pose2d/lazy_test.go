package pose2dnode

import (
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
)

// watched is a recorder that says which topics have subscribers, as the
// live driver does (node.Listener).
type watched struct {
	recorder
	listened map[string]bool
}

func (w *watched) Listened(topic string) bool { return w.listened[topic] }

// TestOverlayOnlyWhenWatched: live, the overlay image is drawn and
// published only while someone subscribes; the skeletons are published
// either way.
func TestOverlayOnlyWhenWatched(t *testing.T) {
	n, _ := newNode(t, nil)
	w := &watched{listened: map[string]bool{}}
	frame := func() {
		t.Helper()
		h := header(frameID)
		for _, m := range []*node.Msg{infoMsg(h), goodImage(h)} {
			if err := n.Handle(m, w); err != nil {
				t.Fatal(err)
			}
		}
	}
	frame()
	if k := len(w.got["~/overlay"]); k != 0 {
		t.Errorf("%d overlays published with no subscriber", k)
	}
	checkSkeletons(t, &w.recorder, 1)
	w.listened["~/overlay"] = true
	frame()
	if k := len(w.got["~/overlay"]); k != 1 {
		t.Errorf("%d overlays published once subscribed, want 1", k)
	}
	if k := len(w.got["~/skeletons"]); k != 2 {
		t.Errorf("%d skeleton arrays, want 2", k)
	}
}
