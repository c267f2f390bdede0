package lidarsegnode

import (
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// layouts are the driver layouts the node must read alike.
var layouts = []struct {
	name   string
	fields []fieldSpec
	big    bool
	height int
	rowPad int
}{
	{"velodyne float32", []fieldSpec{{"x", pointcloud.Float32, fX}, {"y", pointcloud.Float32, fY}, {"z", pointcloud.Float32, fZ},
		{"intensity", pointcloud.Float32, fI}, {"ring", pointcloud.Uint16, fRing}, {"time", pointcloud.Float32, func(point) float64 { return 0.05 }}}, false, 1, 0},
	{"float64 xyz, uint16 reflectivity, reordered", []fieldSpec{{"t", pointcloud.Uint32, func(point) float64 { return 7 }},
		{"reflectivity", pointcloud.Uint16, fI}, {"z", pointcloud.Float64, fZ}, {"ring", pointcloud.Uint8, fRing},
		{"y", pointcloud.Float64, fY}, {"x", pointcloud.Float64, fX}}, false, 1, 0},
	{"big-endian", []fieldSpec{{"x", pointcloud.Float32, fX}, {"y", pointcloud.Float32, fY}, {"z", pointcloud.Float32, fZ},
		{"intensity", pointcloud.Uint8, fI}, {"ring", pointcloud.Uint16, fRing}}, true, 1, 0},
	{"organised, padded rows", []fieldSpec{{"x", pointcloud.Float32, fX}, {"y", pointcloud.Float32, fY}, {"z", pointcloud.Float32, fZ},
		{"intensity", pointcloud.Float32, fI}, {"ring", pointcloud.Uint16, fRing}}, false, 16, 12},
}

// TestLayoutsGiveSameLabels runs the geometry-only node on one scene in
// every layout: the labels, colours and instances must agree, the output
// keeps every point in order with the input's header and shape, ground is
// road, the box is one instance, and no-return points are unlabelled.
func TestLayoutsGiveSameLabels(t *testing.T) {
	pts := scene(16, 256)
	var ref []labelledPoint
	for _, lay := range layouts {
		t.Run(lay.name, func(t *testing.T) {
			n, st := newNode(t, map[string]any{"projection.preset": "hdl64e", "projection.height": 16, "projection.width": 256,
				"class_cloud.topic": "~/obstacles", "class_cloud.labels": []any{99}})
			in := encodeCloud(pts, lay.fields, lay.big, lay.height, lay.rowPad)
			var pub capture
			if err := n.Handle(msgOf(in), &pub); err != nil {
				t.Fatal(err)
			}
			var out sensor_msgs.PointCloud2
			pub.last(t, "~/labelled", &out)
			if out.Header.FrameID != "velodyne" || out.Header.Stamp != in.Header.Stamp || out.Height != in.Height || out.Width != in.Width || out.IsBigendian != in.IsBigendian {
				t.Fatalf("header or shape changed: %+v %dx%d", out.Header, out.Height, out.Width)
			}
			for i, f := range in.Fields {
				if out.Fields[i] != f {
					t.Fatalf("input field %d %+v became %+v", i, f, out.Fields[i])
				}
			}
			got := readLabelled(t, &out)
			if len(got) != len(pts) {
				t.Fatalf("%d points out, %d in", len(got), len(pts))
			}
			for i, p := range pts {
				g := got[i]
				if math.IsNaN(p.x) {
					if !math.IsNaN(g.x) || g.label != 0 || g.instance != 0 {
						t.Fatalf("no-return point %d: %+v", i, g)
					}
					continue
				}
				if math.Abs(g.x-p.x) > 1e-4 || math.Abs(g.z-p.z) > 1e-4 {
					t.Fatalf("point %d moved: %+v, want (%g, %g, %g)", i, g, p.x, p.y, p.z)
				}
				if p.z < -1.72 && math.Hypot(p.x, p.y) > 1 && g.label != 40 {
					t.Fatalf("ground point %d labelled %d", i, g.label)
				}
				if p.x > 7.9 && p.x < 8.1 && p.z > -1.3 && (g.label != 99 || g.instance == 0) {
					t.Fatalf("box point %d: label %d instance %d", i, g.label, g.instance)
				}
			}
			if ref == nil {
				ref = got
			} else {
				for i := range ref {
					if ref[i].label != got[i].label || ref[i].rgb != got[i].rgb || ref[i].instance != got[i].instance {
						t.Fatalf("point %d: %+v, first layout %+v", i, got[i], ref[i])
					}
				}
			}
			var img sensor_msgs.Image
			pub.last(t, "~/range_image", &img)
			if img.Encoding != "rgb8" || img.Width != 256 || img.Height != 16 || len(img.Data) != 3*256*16 || img.Header != in.Header {
				t.Errorf("range image %s %dx%d, %d bytes", img.Encoding, img.Width, img.Height, len(img.Data))
			}
			var obst sensor_msgs.PointCloud2
			pub.last(t, "~/obstacles", &obst)
			objects := 0
			for _, g := range got {
				if g.label == 99 {
					objects++
				}
			}
			if int(obst.Width) != objects || obst.Height != 1 {
				t.Errorf("class cloud has %d points, want %d", obst.Width, objects)
			}
			s := st.Snapshot()
			for _, name := range []string{"decode", "projection", "ground", "cluster", "encode"} {
				found := false
				for _, sg := range s.Stages {
					found = found || sg.Name == name
				}
				if !found {
					t.Errorf("stage %s not recorded", name)
				}
			}
		})
	}
}

// TestBadInput drops each broken cloud with the reason "invalid cloud" and
// an error naming the problem, then processes the next good cloud.
func TestBadInput(t *testing.T) {
	n, st := newNode(t, map[string]any{"projection.height": 16, "projection.width": 64})
	pts := scene(16, 64)
	good := func() *sensor_msgs.PointCloud2 { return encodeCloud(pts, layouts[0].fields, false, 1, 0) }
	nan := make([]point, 100)
	for i := range nan {
		nan[i] = point{x: math.NaN(), y: math.NaN(), z: math.NaN()}
	}
	cases := []struct {
		name   string
		cloud  func() *sensor_msgs.PointCloud2
		reason string
		is     error
		says   string
	}{
		{"no z", func() *sensor_msgs.PointCloud2 {
			m := good()
			m.Fields[2].Name = "zz"
			return m
		}, "invalid cloud", pointcloud.ErrNoField, `"z"`},
		{"point_step too small", func() *sensor_msgs.PointCloud2 { m := good(); m.PointStep = 8; m.RowStep = 8 * m.Width; return m },
			"invalid cloud", pointcloud.ErrPointStep, "point_step"},
		{"short data", func() *sensor_msgs.PointCloud2 { m := good(); m.Data = m.Data[:len(m.Data)-1]; return m },
			"invalid cloud", pointcloud.ErrShortData, "bytes"},
		{"unknown datatype", func() *sensor_msgs.PointCloud2 { m := good(); m.Fields[3].Datatype = 13; return m },
			"invalid cloud", pointcloud.ErrDatatype, "intensity"},
		{"all NaN", func() *sensor_msgs.PointCloud2 { return encodeCloud(nan, layouts[0].fields, false, 1, 0) },
			"invalid cloud", nil, "no valid point"},
		{"empty", func() *sensor_msgs.PointCloud2 { return encodeCloud(nil, layouts[0].fields, false, 1, 0) },
			"invalid cloud", ErrCloud, "no points"},
		{"too many points", func() *sensor_msgs.PointCloud2 { m := good(); m.Width = 1 << 30; return m },
			"invalid cloud", pointcloud.ErrTooLarge, "limit"},
	}
	for _, c := range cases {
		var pub capture
		err := n.Handle(msgOf(c.cloud()), &pub)
		var d *node.Drop
		if !errors.As(err, &d) || d.Reason != c.reason || (c.is != nil && !errors.Is(err, c.is)) || !contains(err.Error(), c.says) {
			t.Errorf("%s: %v (want a %q drop naming %q)", c.name, err, c.reason, c.says)
		}
		if len(pub.msgs) != 0 {
			t.Errorf("%s: published %d topics", c.name, len(pub.msgs))
		}
		if err := n.Handle(msgOf(good()), &pub); err != nil {
			t.Fatalf("good cloud after %s: %v", c.name, err)
		}
		if len(pub.msgs["~/labelled"]) != 1 {
			t.Fatalf("good cloud after %s not published", c.name)
		}
	}
	var pub capture
	err := n.Handle(&node.Msg{Topic: "lidar/points", Data: []byte{1, 2, 3}}, &pub)
	if node.DropReason(err) != "decode" {
		t.Errorf("garbage: %v", err)
	}
	if d := st.Snapshot().Dropped["invalid cloud"]; d != 0 {
		t.Errorf("stats count drops themselves? %d", d)
	}
}

func TestParamErrors(t *testing.T) {
	for _, c := range []struct {
		v     map[string]any
		param string // the first configuration error's Param (a library's field where it checks); "" for other errors
	}{
		{map[string]any{"projection.preset": "hdl128"}, "lidarseg.PresetConfig name"},
		{map[string]any{"post_processing": "crf2"}, "post_processing"},
		{map[string]any{"crf.window_cols": 4}, "lidarseg.CRFConfig.WindowCols"},
		{map[string]any{"projection.ring_order": "sideways"}, "projection.ring_order"},
		{map[string]any{"projection.intensity_scale": 0.0}, "projection.intensity_scale"},
		{map[string]any{"class_cloud.labels": []any{-1}}, "class_cloud.labels"},
		{map[string]any{"knn.search": 4}, "lidarseg.KNNConfig.Search"},
		{map[string]any{"ground.sectors": -3}, "ground.sectors"},
		{map[string]any{"ground.sectors": 0}, "ground.sectors"}, // once became the default silently
		{map[string]any{"knn.k": 0}, "knn.k"},
		{map[string]any{"projection.height": -64}, "projection.height"},
		{map[string]any{"projection.height": 4096, "projection.width": 65536}, "projection.height"}, // 8 GB for three sweeps
		{map[string]any{"projection.fov_up_deg": -25.0, "projection.fov_down_deg": 3.0}, "projection.fov_up_deg"},
		{map[string]any{"cluster.distance": -1.0}, "lidarseg.ClusterConfig.Distance"},
		{map[string]any{"model.path": "nope.onnx"}, ""},
		{map[string]any{"labels.path": "nope.yaml"}, ""},
	} {
		ps := newParams(c.v)
		_, err := New(node.Env{Name: "lidarseg", Params: ps})
		var ce *configerr.Error
		switch {
		case err == nil:
			t.Errorf("%v: no error", c.v)
		case c.param != "" && (!errors.As(err, &ce) || ce.Param != c.param || ce.Reason == ""):
			t.Errorf("%v: error %v, want a configuration error naming %s", c.v, err, c.param)
		}
	}
}

// TestReplacesExistingFields: a coloured cloud's rgb field is replaced by
// the label colour, not duplicated.
func TestReplacesExistingFields(t *testing.T) {
	n, _ := newNode(t, map[string]any{"projection.height": 16, "projection.width": 64})
	pts := scene(16, 64)
	fields := append(append([]fieldSpec(nil), layouts[0].fields...), fieldSpec{"rgb", pointcloud.Float32, func(point) float64 { return 1 }})
	var pub capture
	if err := n.Handle(msgOf(encodeCloud(pts, fields, false, 1, 0)), &pub); err != nil {
		t.Fatal(err)
	}
	var out sensor_msgs.PointCloud2
	pub.last(t, "~/labelled", &out)
	names := map[string]int{}
	for _, f := range out.Fields {
		names[f.Name]++
	}
	if names["rgb"] != 1 || names["label"] != 1 || names["x"] != 1 {
		t.Fatalf("fields %v", names)
	}
	got := readLabelled(t, &out)
	for i, p := range pts {
		if p.z < -1.72 && got[i].rgb != 0xff00ff {
			t.Fatalf("ground point %d has rgb %06x, want road magenta", i, got[i].rgb)
		}
	}
}

// failPub refuses every message, as a publisher whose topic went away.
type failPub struct{}

func (failPub) Publish(string, cdr.Message) error { return errors.New("publisher closed") }

// TestErrorsNameResolvedTopics: with a driver's resolver, a drop and a
// publish error name the topic as the graph shows it (namespace, remapping),
// not the declared relative name a user never sees.
func TestErrorsNameResolvedTopics(t *testing.T) {
	ps := newParams(map[string]any{"projection.height": 16, "projection.width": 64})
	resolve := func(name string) string {
		switch name {
		case "lidar/points": // as with -r lidar/points:=/sensors/ouster/points
			return "/sensors/ouster/points"
		case "~/labelled":
			return "/veh1/lidarseg/labelled"
		}
		return "/veh1/" + name
	}
	n, err := New(node.Env{Name: "lidarseg", Params: ps, Stats: node.NewStats(), Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	m := encodeCloud(scene(16, 64), layouts[0].fields, false, 1, 0)
	m.Fields[2].Name = "zz"
	err = n.Handle(msgOf(m), &capture{})
	if node.DropReason(err) != "invalid cloud" || !contains(err.Error(), "/sensors/ouster/points: ") || contains(err.Error(), "lidar/points") {
		t.Errorf("invalid cloud: %v (want a drop naming /sensors/ouster/points)", err)
	}
	err = n.Handle(msgOf(encodeCloud(scene(16, 64), layouts[0].fields, false, 1, 0)), failPub{})
	if err == nil || !contains(err.Error(), "publish /veh1/lidarseg/labelled: publisher closed") {
		t.Errorf("publish error: %v (want it to name /veh1/lidarseg/labelled)", err)
	}
}
