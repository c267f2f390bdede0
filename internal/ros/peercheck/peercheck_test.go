// Package peercheck checks gopercept's MCAP files with other tools: the
// TypeScript MCAP reader and Foxglove's ROS 2 CDR decoder, which is what
// Foxglove Studio itself uses to show our topics.
package peercheck

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosmsg"
)

// fill sets every field of v to pseudo-random finite values.
func fill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(r, v.Field(i))
		}
	case reflect.Slice:
		n := r.IntN(4)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			fill(r, v.Index(i))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(r, v.Index(i))
		}
	case reflect.String:
		v.SetString([]string{"", "base_link", "ünïcode", "camera_front_optical"}[r.IntN(4)])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.Uint64()) >> (64 - v.Type().Bits()))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64() >> (64 - v.Type().Bits()))
	case reflect.Float32:
		v.SetFloat(float64(float32(r.NormFloat64() * 100)))
	case reflect.Float64:
		v.SetFloat(r.NormFloat64() * 1e3)
	}
}

// rosValue converts a message to the JSON shape Foxglove's decoder yields:
// objects keyed by the .msg field names, 64-bit integers as strings.
func rosValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		return rosValue(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			out[v.Type().Field(i).Tag.Get("ros")] = rosValue(v.Field(i))
		}
		return out
	case reflect.Slice, reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = rosValue(v.Index(i))
		}
		return out
	case reflect.Float32:
		return v.Float() // the exact double JavaScript sees, not float32's shortest text
	case reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	}
	return v.Interface()
}

type entry struct {
	Topic string `json:"topic"`
	Value any    `json:"value"`
}

func TestFoxgloveReadsOurMCAP(t *testing.T) {
	script, _ := filepath.Abs("../../../tools/peercheck/check.mjs")
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "@mcap", "core")); err != nil {
		t.Fatalf("the npm peer packages are not installed: run `make peer-deps` (npm ci in tools/peercheck): %v", err)
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node (Node.js) is needed for the MCAP peer check: %v", err)
	}
	for _, comp := range []bag.Compression{bag.CompressionZstd, bag.CompressionLZ4, bag.CompressionNone} {
		t.Run(string(comp), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "peer.mcap")
			w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: comp, ChunkSize: 4096})
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, uint64(len(comp))))
			var expected []entry
			ids := map[string]uint16{}
			ts := int64(1_700_000_000_000_000_000)
			for round := 0; round < 5; round++ {
				for _, name := range rosmsg.TypeNames() {
					m, _ := rosmsg.New(name)
					if reflect.ValueOf(m).Elem().NumField() == 0 {
						// Constants only (rcl_interfaces/ParameterType): Foxglove's
						// reader builds no reader for a definition without fields,
						// and nothing publishes such a message on its own.
						continue
					}
					fill(r, reflect.ValueOf(m).Elem())
					topic := "/peer/" + strings.ReplaceAll(name, "/msg/", "/")
					id, ok := ids[topic]
					if !ok {
						if id, err = w.AddTopic(bag.Topic{Name: topic, Type: m.TypeName(), SchemaText: m.Schema()}); err != nil {
							t.Fatal(err)
						}
						ids[topic] = id
					}
					ts += 1000
					if err := w.Write(id, ts, ts, cdr.Marshal(m)); err != nil {
						t.Fatal(err)
					}
					expected = append(expected, entry{Topic: topic, Value: rosValue(reflect.ValueOf(m))})
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			exp, _ := json.Marshal(expected)
			expPath := filepath.Join(dir, "expected.json")
			if err := os.WriteFile(expPath, exp, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(nodeBin, script, path, expPath).CombinedOutput()
			if err != nil {
				t.Fatalf("peer check failed: %v\n%s", err, out)
			}
			t.Log(strings.TrimSpace(string(out)))
		})
	}
}
