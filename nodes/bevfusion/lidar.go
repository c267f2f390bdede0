package bevfusionnode

import (
	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/pillar"
)

// lidarChannels is the number of pillar feature planes the fuser's
// lidar_bev takes: bev/pillar's count, max z, mean z, mean intensity and
// occupancy.
const lidarChannels = pillar.NumChannels

// lidarBranch turns a cloud into bev/pillar planes, keeping its buffers.
type lidarBranch struct {
	grid      bev.Grid
	layout    bev.Layout
	pz        *pillar.Pillarizer
	x, y, z   []float32 // points, lidar frame then base_link, m
	t         []float32 // per-point time relative to the stamp, s
	intensity []float32
	planes    []float32         // [NumChannels, cells] in layout
	rd        pointcloud.Reader // owns x, y, z, t and intensity's storage
	deskew    pillar.Deskewer
}

func newLidarBranch(g bev.Grid, l bev.Layout, zMin, zMax float64) (*lidarBranch, error) {
	pz, err := pillar.New(pillar.Config{Grid: g, Layout: l, ZMin: zMin, ZMax: zMax})
	if err != nil {
		return nil, err
	}
	return &lidarBranch{grid: g, layout: l, pz: pz, planes: make([]float32, pz.OutputLen())}, nil
}

// extract reads the cloud's points (lidar frame) into the branch's
// columns, with per-point time in seconds relative to the stamp when the
// cloud has a time field (timeScale s per unit; absolute times have stampS
// subtracted). It reports whether times were read.
func (lb *lidarBranch) extract(acc pointcloud.XYZI, data []byte, n int, timeScale float64, absolute bool, stampS float64) bool {
	origin := 0.0
	if absolute {
		origin = stampS
	}
	acc.Ring = pointcloud.Accessor{} // rings are not used here
	lb.rd.Start(acc, data, n, true, timeScale, origin)
	lb.rd.Read(0, n)
	lb.rd.Done()
	lb.x, lb.y, lb.z, lb.intensity, lb.t = lb.rd.X, lb.rd.Y, lb.rd.Z, lb.rd.Intensity, lb.rd.Time
	return acc.Time.Valid()
}

// transform applies the row-major 4×4 rigid transform m to the points in
// place.
func (lb *lidarBranch) transform(m [16]float64) {
	for i := range lb.x {
		x, y, z := float64(lb.x[i]), float64(lb.y[i]), float64(lb.z[i])
		lb.x[i] = float32(m[0]*x + m[1]*y + m[2]*z + m[3])
		lb.y[i] = float32(m[4]*x + m[5]*y + m[6]*z + m[7])
		lb.z[i] = float32(m[8]*x + m[9]*y + m[10]*z + m[11])
	}
}

// run computes the pillar planes and returns the number of binned points.
func (lb *lidarBranch) run() (int, error) {
	var in []float32
	if len(lb.intensity) == len(lb.x) {
		in = lb.intensity
	}
	return lb.pz.Run(lb.x, lb.y, lb.z, in, lb.planes)
}

// occupancy writes the lidar-only occupancy grid in OccupancyGrid order: 100
// where the highest point lies above obstacleZ (m, base_link), 0 where only
// lower (ground) points fell, −1 where no point fell.
func (lb *lidarBranch) occupancy(dst []int8, obstacleZ float64) []int8 {
	w, h := lb.grid.Width(), lb.grid.Height()
	cells := w * h
	count := lb.planes[pillar.ChanCount*cells : (pillar.ChanCount+1)*cells]
	maxZ := lb.planes[pillar.ChanMaxZ*cells : (pillar.ChanMaxZ+1)*cells]
	dst = resize(dst, cells)
	for j := range h {
		for i := range w {
			o := lb.grid.Offset(lb.layout, i, j)
			switch {
			case count[o] == 0:
				dst[j*w+i] = -1
			case float64(maxZ[o]) > obstacleZ:
				dst[j*w+i] = 100
			default:
				dst[j*w+i] = 0
			}
		}
	}
	return dst
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
