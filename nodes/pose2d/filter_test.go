package pose2dnode

import (
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/plausible"
)

// TestFilterKeepsAlignment checks that filter mode drops implausible people
// and keeps track ids and results aligned with the people kept.
func TestFilterKeepsAlignment(t *testing.T) {
	n := &Node{cfg: Config{MinPlausibility: 0.5}}
	people := []pose.Person{{Score: 0.1}, {Score: 0.2}, {Score: 0.3}, {Score: 0.4}}
	n.ids = []uint64{11, 12, 13, 14}
	n.results = []plausible.Result{{Score: 0.2}, {Score: 0.9}, {Score: 0.4}, {Score: 0.5}}
	kept := n.filter(people)
	if len(kept) != 2 || kept[0].Score != 0.2 || kept[1].Score != 0.4 {
		t.Fatalf("kept %+v", kept)
	}
	if len(n.ids) != 2 || n.ids[0] != 12 || n.ids[1] != 14 || n.results[0].Score != 0.9 || n.results[1].Score != 0.5 {
		t.Errorf("ids %v results %+v", n.ids, n.results)
	}
}
