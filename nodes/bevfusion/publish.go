package bevfusionnode

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/head"
)

// outputs are the node's reusable output messages.
type outputs struct {
	dets    vision_msgs.Detection3DArray
	markers visualization_msgs.MarkerArray
	grid    nav_msgs.OccupancyGrid
	image   sensor_msgs.Image
	ipm     sensor_msgs.Image
	results []vision_msgs.ObjectHypothesisWithPose // backing arrays reused per frame
	points  []geometry_msgs.Point
}

// yawPose returns a pose at (x, y, z) turned by yaw about +z.
func yawPose(x, y, z, yaw float64) geometry_msgs.Pose {
	s, c := math.Sincos(yaw / 2)
	return geometry_msgs.Pose{Position: geometry_msgs.Point{X: x, Y: y, Z: z}, Orientation: geometry_msgs.Quaternion{Z: s, W: c}}
}

func (n *Node) className(b head.Box) string {
	if names, _, _ := n.detClasses(); b.Class >= 0 && b.Class < len(names) {
		return names[b.Class]
	}
	return fmt.Sprintf("class_%d", b.Class)
}

// labelText is a box's marker label, "<class> <score to 0.01>". The labels
// are kept (at most 101 a class), so a frame's markers allocate no text.
func (n *Node) labelText(b head.Box) string {
	buf := append(n.labelBuf[:0], n.className(b)...)
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, b.Score, 'f', 2, 64)
	n.labelBuf = buf
	if t, ok := n.labels[string(buf)]; ok {
		return t
	}
	if n.labels == nil {
		n.labels = map[string]string{}
	}
	t := string(buf)
	n.labels[t] = t
	return t
}

func (n *Node) classColour(b head.Box) std_msgs.ColorRGBA {
	c := palette(b.Class)
	if _, colours, _ := n.detClasses(); b.Class >= 0 && b.Class < len(colours) {
		c = colours[b.Class]
	}
	return std_msgs.ColorRGBA{R: float32(c[0]) / 255, G: float32(c[1]) / 255, B: float32(c[2]) / 255, A: 0.6}
}

// publish writes every output for the cloud at stamp (ns).
func (n *Node) publish(stamp int64, pub node.Publisher) error {
	hdr := std_msgs.Header{Stamp: node.TimeFromNS(stamp), FrameID: n.cfg.BaseFrame}
	g := n.cfg.Grid
	w, h := g.Width(), g.Height()
	o := &n.out

	// Occupancy grid: origin at the grid's lower corner, identity rotation;
	// the fuser's learned occupancy when it has one, else the lidar's.
	if n.fus != nil && n.fus.occOut != "" {
		n.occ = n.fus.occupancy(n.occ, g)
	} else {
		n.occ = n.lidar.occupancy(n.occ, n.cfg.ObstacleHeight)
	}
	ox, oy := g.Origin()
	o.grid.Header = hdr
	o.grid.Info = nav_msgs.MapMetaData{MapLoadTime: hdr.Stamp, Resolution: float32(g.Resolution), Width: uint32(w), Height: uint32(h),
		Origin: geometry_msgs.Pose{Position: geometry_msgs.Point{X: ox, Y: oy}, Orientation: geometry_msgs.Quaternion{W: 1}}}
	o.grid.Data = n.occ
	if err := pub.Publish(TopicOccupancy, &o.grid); err != nil {
		return err
	}

	// The two pictures are rendered only while someone subscribes (live);
	// replay keeps them. Unwatched, the IPM alone saves 6–8.5 ms a frame.
	if node.Wanted(pub, TopicBEVImage) {
		if err := n.publishBEVImage(hdr, pub); err != nil {
			return err
		}
	}
	if n.ipm != nil {
		if !node.Wanted(pub, TopicIPM) {
			n.fact("ipm", "idle: no subscriber")
		} else if img, err := n.ipm.render(); err != nil {
			n.fact("ipm", "failed: "+err.Error())
		} else {
			n.number("ipm", "ok, %.0f%% of the grid seen", 100*n.ipm.m.Coverage())
			o.ipm = sensor_msgs.Image{Header: hdr, Width: uint32(img.Width), Height: uint32(img.Height), Encoding: "rgb8",
				Step: uint32(3 * img.Width), Data: img.Pix[:3*img.Width*img.Height]}
			if err := pub.Publish(TopicIPM, &o.ipm); err != nil {
				return err
			}
		}
	}
	if n.fus == nil && n.query == nil {
		return nil
	}
	return n.publishDetections(hdr, pub)
}

// publishBEVImage publishes the BEV semantic image of n.occ and n.boxes.
func (n *Node) publishBEVImage(hdr std_msgs.Header, pub node.Publisher) error {
	g := n.cfg.Grid
	w, h := g.Width(), g.Height()
	o := &n.out
	// BEV semantic image: occupancy in grey (black unknown, dark grey free,
	// white occupied, a learned probability in between), detection
	// footprints in their class colour; row j is y index j, column i is x
	// index i.
	o.image.Header = hdr
	o.image.Width, o.image.Height, o.image.Encoding, o.image.Step = uint32(w), uint32(h), "rgb8", uint32(3*w)
	o.image.IsBigendian = 0
	pix := o.image.Data[:0]
	for _, v := range n.occ {
		var c uint8
		if v >= 0 {
			c = uint8(90 + int(min(v, 100))*165/100)
		}
		pix = append(pix, c, c, c)
	}
	if n.fus != nil && n.fus.segOut != "" {
		n.paintSeg(pix, w, h)
	}
	for _, b := range n.boxes {
		col := n.classColour(b)
		paintBox(pix, g.XMin, g.YMin, g.Resolution, w, h, b, [3]uint8{uint8(col.R * 255), uint8(col.G * 255), uint8(col.B * 255)})
	}
	o.image.Data = pix
	return pub.Publish(TopicBEVImage, &o.image)
}

// publishDetections publishes the detections and their markers.
func (n *Node) publishDetections(hdr std_msgs.Header, pub node.Publisher) error {
	o := &n.out
	// Detections.
	o.dets.Header = hdr
	o.dets.Detections = o.dets.Detections[:0]
	o.results = resize(o.results, len(n.boxes))
	o.points = resize(o.points, 2*len(n.boxes))
	for i, b := range n.boxes {
		pose := yawPose(b.X, b.Y, b.Z, b.Yaw)
		o.results[i] = vision_msgs.ObjectHypothesisWithPose{
			Hypothesis: vision_msgs.ObjectHypothesis{ClassID: n.className(b), Score: b.Score},
			Pose:       geometry_msgs.PoseWithCovariance{Pose: pose},
		}
		o.dets.Detections = append(o.dets.Detections, vision_msgs.Detection3D{
			Header:  hdr,
			Results: o.results[i : i+1 : i+1],
			Bbox:    vision_msgs.BoundingBox3D{Center: pose, Size: geometry_msgs.Vector3{X: b.L, Y: b.W, Z: b.H}},
		})
	}
	if err := pub.Publish(TopicDetections, &o.dets); err != nil {
		return err
	}

	// Markers: clear the previous frame's, then a cube, a label and a
	// velocity arrow per box.
	ms := o.markers.Markers[:0]
	ms = append(ms, visualization_msgs.Marker{Header: hdr, NS: "bevfusion", Action: visualization_msgs.Marker_DELETEALL})
	for i, b := range n.boxes {
		col := n.classColour(b)
		ms = append(ms, visualization_msgs.Marker{Header: hdr, NS: "bevfusion/boxes", ID: int32(i), Type: visualization_msgs.Marker_CUBE,
			Action: visualization_msgs.Marker_ADD, Pose: yawPose(b.X, b.Y, b.Z, b.Yaw),
			Scale: geometry_msgs.Vector3{X: b.L, Y: b.W, Z: b.H}, Color: col})
		ms = append(ms, visualization_msgs.Marker{Header: hdr, NS: "bevfusion/labels", ID: int32(i), Type: visualization_msgs.Marker_TEXT_VIEW_FACING,
			Action: visualization_msgs.Marker_ADD, Pose: yawPose(b.X, b.Y, b.Z+b.H/2+0.5, 0),
			Scale: geometry_msgs.Vector3{Z: 0.8}, Color: std_msgs.ColorRGBA{R: 1, G: 1, B: 1, A: 1},
			Text: n.labelText(b)})
		if _, _, vel := n.detClasses(); vel {
			ms = append(ms, visualization_msgs.Marker{Header: hdr, NS: "bevfusion/velocity", ID: int32(i), Type: visualization_msgs.Marker_ARROW,
				Action: visualization_msgs.Marker_ADD, Pose: geometry_msgs.Pose{Orientation: geometry_msgs.Quaternion{W: 1}},
				Scale: geometry_msgs.Vector3{X: 0.15, Y: 0.3, Z: 0.3}, Color: col,
				Points: arrow(o.points[2*i:2*i+2:2*i+2], b)})
		}
	}
	o.markers.Markers = ms
	return pub.Publish(TopicMarkers, &o.markers)
}

// paintBox colours the cells whose centres lie inside b's footprint.
func paintBox(pix []uint8, xMin, yMin, res float64, w, h int, b head.Box, c [3]uint8) {
	r := math.Hypot(b.L, b.W) / 2
	i0, i1 := int(math.Floor((b.X-r-xMin)/res)), int(math.Ceil((b.X+r-xMin)/res))
	j0, j1 := int(math.Floor((b.Y-r-yMin)/res)), int(math.Ceil((b.Y+r-yMin)/res))
	s, co := math.Sincos(b.Yaw)
	for j := max(j0, 0); j <= min(j1, h-1); j++ {
		for i := max(i0, 0); i <= min(i1, w-1); i++ {
			dx := xMin + (float64(i)+0.5)*res - b.X
			dy := yMin + (float64(j)+0.5)*res - b.Y
			u, v := co*dx+s*dy, -s*dx+co*dy
			if math.Abs(u) <= b.L/2 && math.Abs(v) <= b.W/2 {
				o := (j*w + i) * 3
				pix[o], pix[o+1], pix[o+2] = c[0], c[1], c[2]
			}
		}
	}
}

// arrow fills dst (two points) with b's velocity arrow: from the centre to
// where the box will be in one second.
func arrow(dst []geometry_msgs.Point, b head.Box) []geometry_msgs.Point {
	dst[0] = geometry_msgs.Point{X: b.X, Y: b.Y, Z: b.Z}
	dst[1] = geometry_msgs.Point{X: b.X + b.VX, Y: b.Y + b.VY, Z: b.Z}
	return dst
}

// paintSeg colours each grid cell by the map-segmentation class with the
// highest probability when it exceeds 0.5 (multi-label sigmoid, as
// BEVFusion's map head), sampling the seg output, which covers the grid's
// extent in the fuser's layout, at the nearest cell. Colours are the
// palette after the detection classes'.
func (n *Node) paintSeg(pix []uint8, w, h int) {
	f := n.fus
	seg := f.m.Output(f.segOut)
	plane := f.segRows * f.segCols
	nx, ny := f.segCols, f.segRows
	if f.layout == bev.LayoutXY {
		nx, ny = f.segRows, f.segCols
	}
	thr := float32(0.5)
	if f.segLogits {
		thr = 0
	}
	for j := range h {
		sj := min(j*ny/h, ny-1)
		for i := range w {
			si := min(i*nx/w, nx-1)
			o := sj*f.segCols + si
			if f.layout == bev.LayoutXY {
				o = si*f.segCols + sj
			}
			best, bestV := -1, thr
			for s := range f.segC {
				if v := seg[s*plane+o]; v > bestV {
					best, bestV = s, v
				}
			}
			if best >= 0 {
				c := palette(len(f.classes) + best)
				q := (j*w + i) * 3
				pix[q], pix[q+1], pix[q+2] = c[0]/2+60, c[1]/2+60, c[2]/2+60
			}
		}
	}
}
