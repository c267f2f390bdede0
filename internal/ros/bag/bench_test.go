package bag

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// benchCases drive the read benchmarks: one ~100 MB bag per compression.
var benchCases = []struct {
	name string
	comp Compression
}{
	{"none", CompressionNone},
	{"lz4", CompressionLZ4},
	{"zstd", CompressionZstd},
}

const benchBytes = 100 << 20

// benchBag returns the path of a ~100 MB bag of lidar-like point clouds
// (about 1.2 MB each, 10 Hz) and small IMU messages (200 Hz), written once
// per compression into the temp directory with a fixed seed.
func benchBag(b *testing.B, comp Compression) (string, int64) {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("gopercept-bag-bench-v1-%s.mcap", comp))
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		w, err := CreateMCAP(tmp, WriterConfig{Compression: comp})
		if err != nil {
			b.Fatal(err)
		}
		pc, _ := w.AddTopic(testTopics[0])
		imu, _ := w.AddTopic(testTopics[1])
		rng := rand.New(rand.NewSource(1))
		const points = 75000
		cloud := make([]byte, 4+points*16)
		small := make([]byte, 300)
		var written int64
		t := int64(1_700_000_000_000_000_000)
		for written < benchBytes {
			x := 0.0
			for i := 0; i < points; i++ {
				x += rng.Float64()*0.1 - 0.05
				o := 4 + i*16
				binary.LittleEndian.PutUint32(cloud[o:], math.Float32bits(float32(x)))
				binary.LittleEndian.PutUint32(cloud[o+4:], math.Float32bits(float32(i%1024)*0.01))
				binary.LittleEndian.PutUint32(cloud[o+8:], math.Float32bits(float32(i/1024)*0.1))
				binary.LittleEndian.PutUint32(cloud[o+12:], uint32(rng.Intn(256)))
			}
			if err := w.Write(pc, t, t, cloud); err != nil {
				b.Fatal(err)
			}
			written += int64(len(cloud))
			for k := 0; k < 20; k++ {
				rng.Read(small[4:64])
				ts := t + int64(k)*5_000_000
				if err := w.Write(imu, ts, ts, small); err != nil {
					b.Fatal(err)
				}
				written += int64(len(small))
			}
			t += 100_000_000
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	// Payload bytes per pass, measured once.
	st, err := StreamFile(path, ReaderConfig{}, func(*Message) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Bytes
}

// BenchmarkRead measures iterating every message of a ~100 MB bag; MB/s
// counts message payload bytes.
func BenchmarkRead(b *testing.B) {
	for _, bc := range benchCases {
		path, payload := benchBag(b, bc.comp)
		b.Run(bc.name+"/Reader", func(b *testing.B) {
			b.SetBytes(payload)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r, err := Open(path, ReaderConfig{})
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				for m, err := range r.All() {
					if err != nil {
						b.Fatal(err)
					}
					n += int64(len(m.Data))
				}
				r.Close()
				if n != payload {
					b.Fatalf("read %d of %d bytes", n, payload)
				}
			}
		})
		b.Run(bc.name+"/Stream", func(b *testing.B) {
			b.SetBytes(payload)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				st, err := StreamFile(path, ReaderConfig{}, func(*Message) error { return nil })
				if err != nil || st.Bytes != payload {
					b.Fatal(err, st.Bytes)
				}
			}
		})
	}
}

// BenchmarkWrite measures writing a ~20 MB bag of point clouds.
func BenchmarkWrite(b *testing.B) {
	cloud := make([]byte, 1_200_004)
	rng := rand.New(rand.NewSource(2))
	for i := 4; i < len(cloud); i++ {
		cloud[i] = byte(rng.Intn(8))
	}
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(cloud)) * 16)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				w, err := NewMCAPWriter(discard{}, WriterConfig{Compression: bc.comp})
				if err != nil {
					b.Fatal(err)
				}
				id, _ := w.AddTopic(testTopics[0])
				for k := int64(0); k < 16; k++ {
					if err := w.Write(id, k, k, cloud); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
