package lidarsegnode

import (
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
)

// TestReconfigure: a geometry-only node takes new cluster and ground
// parameters only when apply runs, and refuses an invalid kNN window
// without changing anything.
func TestReconfigure(t *testing.T) {
	ps := param.New("lidarseg", map[string]any{"input_topic": "/in"})
	n, err := New(node.Env{Name: "lidarseg", Params: ps, Stats: node.NewStats()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if in, _ := ps.Info("cluster.min_points"); !in.Dynamic {
		t.Error("cluster.min_points not marked dynamic")
	}
	if in, _ := ps.Info("model.path"); in.Dynamic {
		t.Error("model.path marked dynamic")
	}
	oldClusters := n.clusters
	apply, err := n.Reconfigure(ps.With(map[string]any{"cluster.min_points": 7, "ground.enabled": false}))
	if err != nil {
		t.Fatal(err)
	}
	if n.cfg.Cluster.MinPoints == 7 || n.ground == nil || n.clusters != oldClusters {
		t.Fatal("Reconfigure changed the running node before apply")
	}
	apply()
	if n.cfg.Cluster.MinPoints != 7 || n.ground != nil || n.cfg.GroundEnabled || n.clusters == oldClusters {
		t.Errorf("after apply: min_points %d, ground %v, enabled %v", n.cfg.Cluster.MinPoints, n.ground, n.cfg.GroundEnabled)
	}
	if _, err := n.Reconfigure(ps.With(map[string]any{"knn.search": 4})); err == nil || !strings.Contains(err.Error(), "knn") {
		t.Errorf("even kNN window: err %v", err)
	}
}
