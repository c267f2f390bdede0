package lidarsegnode

import (
	"fmt"
	"math"
	"strings"

	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// markDynamic records which parameters may change while the node runs (the
// kNN vote, ground fitting, clustering and the geometry-only labels; the
// rest fixes topics, the model or the projection and is read once) and the
// ranges of those with closed bounds in params/lidarseg.schema.json.
func markDynamic(ps *param.Set) {
	ps.Dynamic("knn.k", "knn.search", "knn.sigma", "knn.cutoff",
		"ground.enabled", "ground.sectors", "ground.zone_edges", "ground.sensor_height", "ground.seed_threshold",
		"ground.dist_threshold", "ground.max_step", "ground.step_from", "ground.iterations", "ground.max_slope_deg",
		"cluster.enabled", "cluster.distance", "cluster.range_factor", "cluster.neighbour_rows", "cluster.neighbour_cols",
		"cluster.min_points", "geometry.ground_label", "geometry.object_label")
	ps.Range("knn.k", 1, 32, 0)
	ps.Range("knn.search", 1, 15, 0)
	ps.Range("ground.sectors", 1, 4096, 0)
	ps.Range("ground.iterations", 1, 100, 0)
	ps.Range("cluster.range_factor", 0, math.Inf(1), 0)
	ps.Range("cluster.neighbour_rows", 0, 8, 0)
	ps.Range("cluster.neighbour_cols", 1, 32, 0)
	ps.Range("cluster.min_points", 1, math.MaxInt64, 0)
	ps.Range("geometry.ground_label", 0, 65535, 0)
	ps.Range("geometry.object_label", 0, 65535, 0)
}

// Reconfigure implements param.Reconfigurable: it declares and validates ps
// as at start and builds new kNN, ground and cluster stages aside; apply
// swaps them in between frames. It reads only what New fixed (model,
// projector), never what apply changes, so it may run beside Handle.
func (n *Node) Reconfigure(ps *param.Set) (func(), error) {
	c, err := declare(ps)
	if err != nil {
		return nil, err
	}
	pc := n.proj.Config()
	var knn *lidarseg.KNN
	if n.model != nil && strings.HasSuffix(c.PostProcessing, "knn") {
		if knn, err = lidarseg.NewKNN(c.KNN, n.model.classes, pc.Height, pc.Width); err != nil {
			return nil, fmt.Errorf("knn: %w", err)
		}
	}
	var ground *lidarseg.Ground
	if c.GroundEnabled {
		if ground, err = lidarseg.NewGround(c.Ground); err != nil {
			return nil, fmt.Errorf("ground: %w", err)
		}
	}
	var clusters *lidarseg.Clusterer
	if c.ClusterEnabled {
		cc := c.Cluster
		cc.Wrap = pc.HorizontalFovDeg == 0 || pc.HorizontalFovDeg == 360
		if clusters, err = lidarseg.NewClusterer(cc); err != nil {
			return nil, fmt.Errorf("cluster: %w", err)
		}
	}
	return func() {
		n.cfg.KNN, n.knn = c.KNN, knn
		n.cfg.GroundEnabled, n.cfg.Ground, n.ground = c.GroundEnabled, c.Ground, ground
		n.cfg.ClusterEnabled, n.cfg.Cluster, n.clusters = c.ClusterEnabled, c.Cluster, clusters
		n.cfg.GroundLabel, n.cfg.ObjectLabel = c.GroundLabel, c.ObjectLabel
	}, nil
}
