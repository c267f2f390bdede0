package tf

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// benchChain builds the 4-level chain map→odom→base_link→lidar_mount→lidar
// with 10 s of map→odom at 30 Hz and odom→base_link at 100 Hz (fixed seed),
// two static edges, and a camera branch for sibling lookups. It returns the
// buffer and the newest stamp.
func benchChain(b testing.TB) (*Buffer, int64) {
	rng := rand.New(rand.NewPCG(7, 7))
	buf := newBuffer(b, Config{})
	end := t0 + 10*sec
	for s := t0; s <= end; s += sec / 30 {
		mustSet(b, buf, "map", "odom", s, mk(rng.Float64(), rng.Float64(), 0, yaw(0.01*rng.Float64())), false)
	}
	for s := t0; s <= end; s += sec / 100 {
		x := float64(s-t0) / 1e9
		mustSet(b, buf, "odom", "base_link", s, mk(x, 0.1*x, 0, yaw(x/10)), false)
	}
	mustSet(b, buf, "base_link", "lidar_mount", 0, mk(1, 0, 1.8, quat.Number{Real: 1}), true)
	mustSet(b, buf, "lidar_mount", "lidar", 0, mk(0, 0, 0.1, yaw(math.Pi/2)), true)
	mustSet(b, buf, "base_link", "camera_front", 0, mk(2, 0, 1, quat.Number{Real: 1}), true)
	mustSet(b, buf, "camera_front", "camera_front_optical", 0, mk(0, 0, 0, opticalRotation), true)
	return buf, end
}

func reportLookups(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkLookupChain4 looks up map←lidar through two interpolated dynamic
// edges and two static ones, at stamps between samples.
func BenchmarkLookupChain4(b *testing.B) {
	buf, end := benchChain(b)
	stamps := make([]int64, 1024)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range stamps {
		stamps[i] = end - sec + rng.Int64N(sec)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := buf.Lookup("map", "lidar", stamps[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
	reportLookups(b)
}

// BenchmarkLookupChain4Brute is the brute-force twin of the same lookup,
// for scale.
func BenchmarkLookupChain4Brute(b *testing.B) {
	buf, end := benchChain(b)
	w := newTwin()
	for i := range buf.frames {
		f := &buf.frames[i]
		if f.parent < 0 {
			continue
		}
		w.parent[f.name] = buf.frames[f.parent].name
		if f.static {
			w.static[f.name] = f.staticTf
		} else {
			w.samples[f.name] = append([]sample(nil), f.cache.live()...)
		}
	}
	stamp := end - sec/2 + 3*ms/7
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w.lookup("map", "lidar", stamp); err != nil {
			b.Fatal(err)
		}
	}
	reportLookups(b)
}

// BenchmarkLookupSibling looks up camera_front_optical←lidar, an all-static
// path through base_link.
func BenchmarkLookupSibling(b *testing.B) {
	buf, end := benchChain(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := buf.Lookup("camera_front_optical", "lidar", end); err != nil {
			b.Fatal(err)
		}
	}
	reportLookups(b)
}

// BenchmarkLookupFullDeskew is the per-point-packet de-skew lookup:
// lidar at the sweep end ← lidar at the packet stamp, via odom.
func BenchmarkLookupFullDeskew(b *testing.B) {
	buf, end := benchChain(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := buf.LookupFull("lidar", end, "lidar", end-sec/10+int64(i%1000)*ms/10, "odom"); err != nil {
			b.Fatal(err)
		}
	}
	reportLookups(b)
}

// BenchmarkLookupParallel runs Chain4 lookups from all Ps at once, for the
// cost of the read lock under contention.
func BenchmarkLookupParallel(b *testing.B) {
	buf, end := benchChain(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int64(0)
		for pb.Next() {
			i++
			if _, err := buf.Lookup("map", "lidar", end-sec+(i%1000)*ms); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportLookups(b)
}

// BenchmarkSetTransform is a steady-state 100 Hz /tf feed: every insert
// appends one sample and prunes one.
func BenchmarkSetTransform(b *testing.B) {
	buf, end := benchChain(b)
	tr := mk(1, 2, 3, yaw(0.5))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := buf.SetTransform("odom", "base_link", end+int64(i+1)*int64(10*time.Millisecond), tr, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transforms/s")
}

// BenchmarkApply is the per-point cost of a looked-up transform.
func BenchmarkApply(b *testing.B) {
	tr := mk(1, 2, 3, QuatFromRPY(0.1, 0.2, 0.3))
	p := r3.Vec{X: 1, Y: 2, Z: 3}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p = tr.Apply(p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
	_ = p
}
