package lidarseg

import (
	"fmt"
	"math"
	"strings"
)

// SensorGeometry is what one sweep shows of the lidar that made it: a
// model trained on one sensor's range images labels another's poorly, so
// the node compares this with the sensors a model card covers.
type SensorGeometry struct {
	// Beams is the number of rings (the highest ring + 1, or an organised
	// cloud's height); 0 when the cloud tells nothing of them.
	Beams int
	// Columns is the azimuth steps per revolution: an organised cloud's
	// width, else the returns of its fullest ring (a ring that sees the
	// ground all round returns every step); 0 when unknown.
	Columns int
	// FovUpDeg and FovDownDeg span the elevations of its returns in the
	// sensor frame, degrees, the 0.2 % extremes on each side left out as
	// noise; both 0 when the sweep has no usable return.
	FovUpDeg, FovDownDeg float64
	// RingTopFirst says ring (or organised row) 0 is the top beam, as
	// Ouster numbers them; false when it is the lowest (Velodyne) or the
	// sweep does not tell.
	RingTopFirst bool
}

func (g SensorGeometry) String() string {
	var b strings.Builder
	if g.Beams > 0 {
		fmt.Fprintf(&b, "%d beams, ", g.Beams)
	}
	if g.Columns > 0 {
		fmt.Fprintf(&b, "%d columns, ", g.Columns)
	}
	fmt.Fprintf(&b, "returns from %+.1f° to %+.1f°", g.FovUpDeg, g.FovDownDeg)
	return b.String()
}

// elevationBins is the resolution of MeasureSensor's elevation histogram:
// 0.1° over ±90°.
const elevationBins = 1800

// MeasureSensor estimates the geometry of the lidar that made c, an
// organised cloud when height > 1 (rows are rings, width the columns). It
// looks at every point for rings and at up to 16,384 evenly spaced points
// for elevations, and allocates nothing.
func MeasureSensor(c Cloud, height, width int) SensorGeometry {
	var g SensorGeometry
	n := len(c.X)
	if height > 1 {
		g.Beams, g.Columns = height, width
	} else if len(c.Ring) == n && n > 0 {
		var perRing [1024]int32
		top := 0
		for _, r := range c.Ring {
			if int(r) < len(perRing) {
				perRing[r]++
				top = max(top, int(r))
			}
		}
		g.Beams = top + 1
		for _, k := range perRing[:top+1] {
			g.Columns = max(g.Columns, int(k))
		}
	}
	var hist [elevationBins]int32
	stride := max(1, n/16384)
	total := 0
	// The mean elevation of ring 0 and of the last ring tell their order.
	var first, last [2]float64 // sum, count
	rings := len(c.Ring) == n && height <= 1
	for i := 0; i < n; i += stride {
		x, y, z := float64(c.X[i]), float64(c.Y[i]), float64(c.Z[i])
		r := math.Sqrt(x*x + y*y + z*z)
		if !(r > 0.5) || math.IsInf(r, 0) { // NaN, too near (the vehicle) or infinite
			continue
		}
		e := math.Asin(z / r)
		b := int((e*180/math.Pi + 90) * 10)
		hist[min(max(b, 0), elevationBins-1)]++
		total++
		ring := -1
		switch {
		case rings:
			ring = int(c.Ring[i])
		case height > 1 && width > 0:
			ring = i / width
		}
		if ring == 0 {
			first[0], first[1] = first[0]+e, first[1]+1
		} else if ring == g.Beams-1 && ring > 0 {
			last[0], last[1] = last[0]+e, last[1]+1
		}
	}
	if total == 0 {
		return g
	}
	g.RingTopFirst = first[1] > 0 && last[1] > 0 && first[0]/first[1] > last[0]/last[1]
	cut := int32(total / 500) // 0.2 %
	lo, seen := 0, int32(0)
	for lo < elevationBins-1 && seen+hist[lo] <= cut {
		seen += hist[lo]
		lo++
	}
	hi, seen := elevationBins-1, int32(0)
	for hi > 0 && seen+hist[hi] <= cut {
		seen += hist[hi]
		hi--
	}
	g.FovDownDeg = float64(lo)/10 - 90
	g.FovUpDeg = float64(hi+1)/10 - 90
	return g
}

// Covers reports whether a sweep of geometry g fits the projection p was
// made for: as many beams as p's rows and as many columns (within 10 %)
// where the sweep tells them, and every return's elevation inside p's
// vertical field of view widened by tolDeg on each side.
func (p ProjectionConfig) Covers(g SensorGeometry, tolDeg float64) bool {
	if g.Beams > 0 && g.Beams != p.Height {
		return false
	}
	if g.Columns > 0 && math.Abs(float64(g.Columns-p.Width)) > 0.1*float64(p.Width) {
		return false
	}
	if g.FovUpDeg == 0 && g.FovDownDeg == 0 {
		return true // no return to judge by
	}
	return g.FovUpDeg <= p.FovUpDeg+tolDeg && g.FovDownDeg >= p.FovDownDeg-tolDeg
}

// standardColumns are the azimuth steps per revolution lidars commonly
// run at; a sweep's fullest ring, short of a few returns, names one.
var standardColumns = [...]int{512, 1024, 2048, 4096}

// NativeProjection is the range image of a model whose input rows and
// columns are dynamic (card parameter native) for a lidar of geometry g: a
// row per beam, rows from the rings (base.UseRing) in the order g found, a
// column per azimuth step (a sweep's fullest ring a few returns short of a
// standard count takes that count), rows rounded up to a multiple of
// rowMult and columns of colMult (the network's strides). What g leaves
// unknown comes from base. The training sets of `simulate --preset native`
// are projected by this function, so the node's input equals training's.
func NativeProjection(base ProjectionConfig, g SensorGeometry, rowMult, colMult int) ProjectionConfig {
	pc := base
	if g.Beams > 0 {
		pc.Height = g.Beams
	}
	if g.Columns > 0 {
		pc.Width = g.Columns
		for _, s := range standardColumns {
			if g.Columns <= s && g.Columns >= s-s/20 {
				pc.Width = s
				break
			}
		}
	}
	pc.Height = roundUp(pc.Height, rowMult)
	pc.Width = roundUp(pc.Width, colMult)
	if g.FovUpDeg > g.FovDownDeg {
		pc.FovUpDeg, pc.FovDownDeg = g.FovUpDeg, g.FovDownDeg
	}
	if g.Beams > 0 {
		pc.RingTopFirst = g.RingTopFirst
	}
	pc.HorizontalFovDeg = 0
	return pc
}

func roundUp(v, m int) int {
	if m <= 1 {
		return v
	}
	return (v + m - 1) / m * m
}
