package tf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/configerr"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

const (
	t0  int64 = 1_700_000_000_000_000_000 // ns since the epoch
	sec       = int64(time.Second)
	ms        = int64(time.Millisecond)
)

// opticalRotation is camera←camera_optical per REP-103: optical z forward,
// x right, y down.
var opticalRotation = QuatFromRPY(-math.Pi/2, 0, -math.Pi/2)

func newBuffer(t testing.TB, cfg Config) *Buffer {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustSet(t testing.TB, b *Buffer, parent, child string, stamp int64, tr Transform, static bool) {
	t.Helper()
	if err := b.SetTransform(parent, child, stamp, tr, static); err != nil {
		t.Fatal(err)
	}
}

// robotTree builds map→odom→base_link→{lidar, camera_front→camera_front_optical}.
// base_link drives from the odom origin (yaw 0) at t0 to (2, 0, 0) with yaw
// 90° at t0+1 s; map→odom is static (100, 50, 0) with yaw 90°.
func robotTree(t testing.TB) *Buffer {
	b := newBuffer(t, Config{})
	mustSet(t, b, "map", "odom", 0, mk(100, 50, 0, yaw(math.Pi/2)), true)
	mustSet(t, b, "odom", "base_link", t0, mk(0, 0, 0, yaw(0)), false)
	mustSet(t, b, "odom", "base_link", t0+sec, mk(2, 0, 0, yaw(math.Pi/2)), false)
	mustSet(t, b, "base_link", "lidar", 0, mk(1, 0, 2, quat.Number{Real: 1}), true)
	mustSet(t, b, "base_link", "camera_front", 0, mk(2, 0, 1, quat.Number{Real: 1}), true)
	mustSet(t, b, "camera_front", "camera_front_optical", 0, mk(0, 0, 0, opticalRotation), true)
	return b
}

func TestLookupTable(t *testing.T) {
	b := robotTree(t)
	s2 := math.Sqrt2 / 2
	cases := []struct {
		name           string
		target, source string
		stamp          int64
		want           Transform
		// in and out check Apply on the result as well.
		in, out r3.Vec
	}{
		{
			name: "static child", target: "base_link", source: "lidar", stamp: t0,
			want: mk(1, 0, 2, quat.Number{Real: 1}), in: r3.Vec{X: 3}, out: r3.Vec{X: 4, Z: 2},
		},
		{
			name: "inverse: parent into child", target: "lidar", source: "base_link", stamp: t0,
			want: mk(-1, 0, -2, quat.Number{Real: 1}), in: r3.Vec{X: 1, Z: 2}, out: r3.Vec{},
		},
		{
			name: "optical: z forward is camera x", target: "camera_front", source: "camera_front_optical", stamp: t0,
			want: mk(0, 0, 0, opticalRotation), in: r3.Vec{Z: 1}, out: r3.Vec{X: 1},
		},
		{
			name: "optical: x right is camera -y", target: "camera_front", source: "camera_front_optical", stamp: t0,
			want: mk(0, 0, 0, opticalRotation), in: r3.Vec{X: 1}, out: r3.Vec{Y: -1},
		},
		{
			name: "optical: y down is camera -z", target: "camera_front", source: "camera_front_optical", stamp: t0,
			want: mk(0, 0, 0, opticalRotation), in: r3.Vec{Y: 1}, out: r3.Vec{Z: -1},
		},
		{
			name: "optical into camera inverse", target: "camera_front_optical", source: "camera_front", stamp: t0,
			want: mk(0, 0, 0, quat.Conj(opticalRotation)), in: r3.Vec{X: 4, Y: -1, Z: 0.5}, out: r3.Vec{X: 1, Y: -0.5, Z: 4},
		},
		{
			// 3 m ahead of the camera: camera (3,0,0), base_link (5,0,1), lidar (4,0,-1).
			name: "siblings through base_link", target: "lidar", source: "camera_front_optical", stamp: t0,
			want: mk(1, 0, -1, opticalRotation), in: r3.Vec{Z: 3}, out: r3.Vec{X: 4, Z: -1},
		},
		{
			name: "siblings reversed", target: "camera_front_optical", source: "lidar", stamp: t0,
			want: mk(0, -1, -1, quat.Conj(opticalRotation)), in: r3.Vec{X: 4, Z: -1}, out: r3.Vec{Z: 3},
		},
		{
			name: "dynamic edge at first sample", target: "odom", source: "base_link", stamp: t0,
			want: Identity(), in: r3.Vec{X: 1}, out: r3.Vec{X: 1},
		},
		{
			name: "dynamic edge at last sample", target: "odom", source: "base_link", stamp: t0 + sec,
			want: mk(2, 0, 0, yaw(math.Pi/2)), in: r3.Vec{X: 1}, out: r3.Vec{X: 2, Y: 1},
		},
		{
			name: "halfway: lerp 1 m, slerp 45°", target: "odom", source: "base_link", stamp: t0 + sec/2,
			want: mk(1, 0, 0, yaw(math.Pi/4)), in: r3.Vec{X: 1}, out: r3.Vec{X: 1 + s2, Y: s2},
		},
		{
			name: "lidar in odom halfway", target: "odom", source: "lidar", stamp: t0 + sec/2,
			want: mk(1+s2, s2, 2, yaw(math.Pi/4)), in: r3.Vec{}, out: r3.Vec{X: 1 + s2, Y: s2, Z: 2},
		},
		{
			// lidar in odom (2,1,2) yaw 90°; map←odom adds yaw 90° and (100,50,0).
			name: "lidar in map through static and dynamic", target: "map", source: "lidar", stamp: t0 + sec,
			want: mk(99, 52, 2, yaw(math.Pi)), in: r3.Vec{X: 1}, out: r3.Vec{X: 98, Y: 52, Z: 2},
		},
		{
			name: "map into lidar", target: "lidar", source: "map", stamp: t0 + sec,
			want: mk(99, 52, -2, yaw(math.Pi)), in: r3.Vec{X: 99, Y: 52, Z: 2}, out: r3.Vec{},
		},
		{
			name: "static-only path at any stamp", target: "lidar", source: "camera_front_optical", stamp: 12345,
			want: mk(1, 0, -1, opticalRotation), in: r3.Vec{Z: 3}, out: r3.Vec{X: 4, Z: -1},
		},
		{
			name: "Latest resolves to t0+1 s", target: "map", source: "lidar", stamp: Latest,
			want: mk(99, 52, 2, yaw(math.Pi)), in: r3.Vec{}, out: r3.Vec{X: 99, Y: 52, Z: 2},
		},
		{
			name: "same frame is identity", target: "lidar", source: "lidar", stamp: t0 + 99*sec,
			want: Identity(), in: r3.Vec{X: 1, Y: 2, Z: 3}, out: r3.Vec{X: 1, Y: 2, Z: 3},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.Lookup(tc.target, tc.source, tc.stamp)
			if err != nil {
				t.Fatal(err)
			}
			if !transformNear(got, tc.want, tol) {
				t.Errorf("Lookup(%s, %s) = %v, want %v", tc.target, tc.source, got, tc.want)
			}
			if p := got.Apply(tc.in); !vecNear(p, tc.out, tol) {
				t.Errorf("Apply(%v) = %v, want %v", tc.in, p, tc.out)
			}
			if n := quat.Abs(got.Rotation); math.Abs(n-1) > tol {
				t.Errorf("|rotation| = %v, want 1", n)
			}
			if !b.CanTransform(tc.target, tc.source, tc.stamp) {
				t.Error("CanTransform = false, want true")
			}
		})
	}
}

func TestLookupShortestPathSlerp(t *testing.T) {
	// The second sample is the same rotation as yaw(−170°) with the opposite
	// sign; halfway must be 180°, 10° from each, not 0°.
	for _, flip := range []float64{1, -1} {
		b := newBuffer(t, Config{})
		mustSet(t, b, "odom", "base_link", t0, mk(0, 0, 0, yaw(170*math.Pi/180)), false)
		mustSet(t, b, "odom", "base_link", t0+sec, mk(0, 0, 0, quat.Scale(flip, yaw(-170*math.Pi/180))), false)
		got, err := b.Lookup("odom", "base_link", t0+sec/2)
		if err != nil {
			t.Fatal(err)
		}
		if !sameRotation(got.Rotation, yaw(math.Pi), tol) {
			_, _, y := RPY(got.Rotation)
			t.Errorf("sign %v: halfway yaw = %v°, want 180°", flip, y*180/math.Pi)
		}
	}
}

func TestLookupErrors(t *testing.T) {
	b := robotTree(t)
	mustSet(t, b, "world", "gps", 0, Identity(), true)
	mustSet(t, b, "base_link", "radar", t0+250*ms, mk(3, 0, 0, quat.Number{Real: 1}), false)
	mustSet(t, b, "map", "late", t0+2*sec, Identity(), false)

	cases := []struct {
		name           string
		target, source string
		stamp          int64
		sentinel       error
		kind           ErrorKind
		msg            string
		earliest       int64
		latest         int64
	}{
		{
			name: "unknown source", target: "base_link", source: "nope", stamp: t0,
			sentinel: ErrUnknownFrame, kind: KindUnknownFrame,
			msg: `tf: lookup base_link <- nope at 1700000000.000000000: unknown frame "nope"`,
		},
		{
			name: "unknown target", target: "nope", source: "lidar", stamp: t0,
			sentinel: ErrUnknownFrame, kind: KindUnknownFrame,
			msg: `tf: lookup nope <- lidar at 1700000000.000000000: unknown frame "nope"`,
		},
		{
			name: "empty frame", target: "", source: "lidar", stamp: t0,
			sentinel: ErrUnknownFrame, kind: KindUnknownFrame,
			msg: `tf: lookup  <- lidar at 1700000000.000000000: unknown frame ""`,
		},
		{
			name: "not connected", target: "lidar", source: "gps", stamp: t0,
			sentinel: ErrNotConnected, kind: KindNotConnected,
			msg: `tf: lookup lidar <- gps at 1700000000.000000000: frames not connected: "lidar" (tree root "map") and "gps" (tree root "world") have no common ancestor`,
		},
		{
			name: "future", target: "map", source: "lidar", stamp: t0 + 2*sec + 123456789,
			sentinel: ErrExtrapolation, kind: KindExtrapolationFuture, earliest: t0, latest: t0 + sec,
			msg: `tf: lookup map <- lidar at 1700000002.123456789: extrapolation into the future: data for "odom"->"base_link" covers [1700000000.000000000, 1700000001.000000000]`,
		},
		{
			name: "past", target: "lidar", source: "odom", stamp: t0 - 1,
			sentinel: ErrExtrapolation, kind: KindExtrapolationPast, earliest: t0, latest: t0 + sec,
			msg: `tf: lookup lidar <- odom at 1699999999.999999999: extrapolation into the past: data for "odom"->"base_link" covers [1700000000.000000000, 1700000001.000000000]`,
		},
		{
			name: "single sample: after it", target: "base_link", source: "radar", stamp: t0 + 250*ms + 1,
			sentinel: ErrExtrapolation, kind: KindExtrapolationFuture, earliest: t0 + 250*ms, latest: t0 + 250*ms,
			msg: `tf: lookup base_link <- radar at 1700000000.250000001: extrapolation into the future: data for "base_link"->"radar" covers [1700000000.250000000, 1700000000.250000000]`,
		},
		{
			name: "single sample: before it", target: "radar", source: "base_link", stamp: t0 + 250*ms - 1,
			sentinel: ErrExtrapolation, kind: KindExtrapolationPast, earliest: t0 + 250*ms, latest: t0 + 250*ms,
			msg: `tf: lookup radar <- base_link at 1700000000.249999999: extrapolation into the past: data for "base_link"->"radar" covers [1700000000.250000000, 1700000000.250000000]`,
		},
		{
			// Latest resolves to min(newest) = t0+1 s, before late's only sample.
			name: "Latest with disjoint data", target: "late", source: "lidar", stamp: Latest,
			sentinel: ErrExtrapolation, kind: KindExtrapolationPast, earliest: t0 + 2*sec, latest: t0 + 2*sec,
			msg: `tf: lookup late <- lidar at latest: extrapolation into the past at 1700000001.000000000: data for "map"->"late" covers [1700000002.000000000, 1700000002.000000000]`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Lookup(tc.target, tc.source, tc.stamp)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("error = %v, want %v", err, tc.sentinel)
			}
			for _, other := range []error{ErrUnknownFrame, ErrNotConnected, ErrExtrapolation} {
				if other != tc.sentinel && errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
			var le *LookupError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LookupError", err)
			}
			if le.Kind != tc.kind {
				t.Errorf("Kind = %v, want %v", le.Kind, tc.kind)
			}
			if le.Target != tc.target || le.Source != tc.source || le.SourceStamp != tc.stamp || le.TargetStamp != tc.stamp {
				t.Errorf("request fields = %q %q %d %d", le.Target, le.Source, le.TargetStamp, le.SourceStamp)
			}
			if tc.latest != 0 && (le.Earliest != tc.earliest || le.Latest != tc.latest) {
				t.Errorf("range = [%d, %d], want [%d, %d]", le.Earliest, le.Latest, tc.earliest, tc.latest)
			}
			if got := err.Error(); got != tc.msg {
				t.Errorf("message:\n got %s\nwant %s", got, tc.msg)
			}
			if b.CanTransform(tc.target, tc.source, tc.stamp) {
				t.Error("CanTransform = true, want false")
			}
		})
	}
}

func TestLookupFullDeskew(t *testing.T) {
	b := robotTree(t)
	t1, t2 := t0, t0+sec
	// A point 5 m ahead of the lidar at t1 is at (6, 0, 2) in odom. At t2 the
	// lidar sits at (2, 1, 2) in odom with yaw 90°, so the point is at
	// Rz(−90°)·(4, −1, 0) = (−1, −4, 0) in the lidar frame.
	p := r3.Vec{X: 5}
	want := r3.Vec{X: -1, Y: -4}
	for _, fixed := range []string{"odom", "map"} {
		got, err := b.LookupFull("lidar", t2, "lidar", t1, fixed)
		if err != nil {
			t.Fatal(err)
		}
		if q := got.Apply(p); !vecNear(q, want, tol) {
			t.Errorf("fixed %s: point = %v, want %v", fixed, q, want)
		}
		if !b.CanTransformFull("lidar", t2, "lidar", t1, fixed) {
			t.Errorf("fixed %s: CanTransformFull = false", fixed)
		}
	}
	// Fixed in the moving frame: the point moves with the car.
	got, err := b.LookupFull("lidar", t2, "lidar", t1, "base_link")
	if err != nil {
		t.Fatal(err)
	}
	if !transformNear(got, Identity(), tol) {
		t.Errorf("fixed base_link: %v, want identity", got)
	}
	// Equal stamps reduce to Lookup.
	got, err = b.LookupFull("camera_front_optical", t0+sec/3, "lidar", t0+sec/3, "odom")
	if err != nil {
		t.Fatal(err)
	}
	want2, _ := b.Lookup("camera_front_optical", "lidar", t0+sec/3)
	if !transformNear(got, want2, tol) {
		t.Errorf("LookupFull with equal stamps = %v, Lookup = %v", got, want2)
	}

	_, err = b.LookupFull("lidar", t2+sec, "lidar", t1, "odom")
	const msg = `tf: lookup lidar at 1700000002.000000000 <- lidar at 1700000000.000000000 via odom: extrapolation into the future at 1700000002.000000000: data for "odom"->"base_link" covers [1700000000.000000000, 1700000001.000000000]`
	var le *LookupError
	if !errors.As(err, &le) || !errors.Is(err, ErrExtrapolation) || le.Fixed != "odom" {
		t.Fatalf("error = %v, want extrapolation via odom", err)
	}
	if err.Error() != msg {
		t.Errorf("message:\n got %s\nwant %s", err, msg)
	}
	if _, err := b.LookupFull("lidar", t2, "lidar", t1, "nowhere"); !errors.Is(err, ErrUnknownFrame) {
		t.Errorf("unknown fixed frame: error = %v", err)
	}
	if b.CanTransformFull("lidar", t2+sec, "lidar", t1, "odom") {
		t.Error("CanTransformFull = true past the data")
	}
}

func TestSetTransformValidation(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(-1)
	cases := []struct {
		name          string
		parent, child string
		stamp         int64
		tf            Transform
		reason        string
	}{
		{"empty parent", "", "a", t0, Identity(), "empty parent frame"},
		{"empty child", "a", "", t0, Identity(), "empty child frame"},
		{"same frame", "a", "a", t0, Identity(), "parent and child are the same frame"},
		{"negative stamp", "a", "b", -1, Identity(), "negative stamp"},
		{"NaN translation", "a", "b", t0, mk(nan, 0, 0, quat.Number{Real: 1}), "translation is not finite"},
		{"Inf translation", "a", "b", t0, mk(0, 0, inf, quat.Number{Real: 1}), "translation is not finite"},
		{"NaN rotation", "a", "b", t0, mk(0, 0, 0, quat.Number{Real: nan}), "rotation is not finite"},
		{"zero quaternion", "a", "b", t0, Transform{}, "rotation is the zero quaternion"},
		{"cycle", "lidar", "odom", t0, Identity(), `child "odom" is an ancestor of parent "lidar"`},
		{"cycle to self via parent", "base_link", "map", t0, Identity(), `child "map" is an ancestor of parent "base_link"`},
	}
	for _, tc := range cases {
		for _, static := range []bool{false, true} {
			b := robotTree(t)
			before := b.AllFramesAsYAML()
			err := b.SetTransform(tc.parent, tc.child, tc.stamp, tc.tf, static)
			if !errors.Is(err, ErrInvalidTransform) {
				t.Errorf("%s: error = %v, want ErrInvalidTransform", tc.name, err)
				continue
			}
			var se *SetError
			if !errors.As(err, &se) || se.Reason != tc.reason || se.Parent != tc.parent || se.Child != tc.child {
				t.Errorf("%s: error = %#v, want reason %q", tc.name, err, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.reason) || !strings.HasPrefix(err.Error(), "tf: set ") {
				t.Errorf("%s: message %q", tc.name, err)
			}
			if after := b.AllFramesAsYAML(); after != before {
				t.Errorf("%s: rejected call changed the buffer:\n%s", tc.name, after)
			}
		}
	}

	// A non-unit quaternion is normalised.
	b := newBuffer(t, Config{})
	mustSet(t, b, "a", "b", t0, mk(0, 0, 0, quat.Number{Real: 2, Kmag: 2}), false)
	got, err := b.Lookup("a", "b", t0)
	if err != nil {
		t.Fatal(err)
	}
	if !sameRotation(got.Rotation, yaw(math.Pi/2), tol) || math.Abs(quat.Abs(got.Rotation)-1) > tol {
		t.Errorf("stored rotation %v, want unit yaw 90°", got.Rotation)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		param  string
		value  any
		reason string
	}{
		{Config{CacheDuration: -time.Second}, "tf.Config.CacheDuration", -time.Second, "negative"},
		{Config{MaxFrames: -1}, "tf.Config.MaxFrames", -1, "outside [0, 2147483647]"},
		{Config{MaxSamplesPerEdge: -1}, "tf.Config.MaxSamplesPerEdge", -1, "negative"},
	} {
		_, err := New(tc.cfg)
		var ce *configerr.Error
		if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) || ce.Param != tc.param || ce.Value != tc.value || ce.Reason != tc.reason {
			t.Errorf("New(%+v) error = %v, want %s = %v: %s", tc.cfg, err, tc.param, tc.value, tc.reason)
		}
	}
	b := newBuffer(t, Config{})
	if b.cacheDur != int64(10*time.Second) || b.maxFrames != DefaultMaxFrames || b.maxSamples != DefaultMaxSamplesPerEdge {
		t.Errorf("defaults: %v %v %v", b.cacheDur, b.maxFrames, b.maxSamples)
	}
}

func TestPruning(t *testing.T) {
	b := newBuffer(t, Config{CacheDuration: time.Second})
	// 30 s at 10 Hz; base_link drives along x at 1 m/s.
	const step = 100 * ms
	var last int64
	for k := int64(0); k <= 300; k++ {
		last = t0 + k*step
		mustSet(t, b, "odom", "base_link", last, mk(float64(k)/10, 0, 0, quat.Number{Real: 1}), false)
	}
	// Samples exactly CacheDuration behind the newest stay.
	if _, err := b.Lookup("odom", "base_link", last-sec); err != nil {
		t.Errorf("lookup at newest−CacheDuration: %v", err)
	}
	_, err := b.Lookup("odom", "base_link", last-sec-1)
	var le *LookupError
	if !errors.As(err, &le) || le.Kind != KindExtrapolationPast || le.Earliest != last-sec || le.Latest != last {
		t.Fatalf("lookup before the cache: %v, want extrapolation into the past with range [%d, %d]", err, last-sec, last)
	}
	f := &b.frames[b.ids["base_link"]]
	if n := len(f.cache.live()); n != 11 {
		t.Errorf("%d samples kept, want 11", n)
	}
	if c := cap(f.cache.buf); c > 64 {
		t.Errorf("sample buffer capacity %d after steady-state pruning, want bounded", c)
	}
	// Data older than the cache is rejected and changes nothing.
	err = b.SetTransform("odom", "base_link", last-sec-1, Identity(), false)
	var se *SetError
	if !errors.Is(err, ErrOldData) || !errors.As(err, &se) {
		t.Errorf("old data: error = %v, want ErrOldData", err)
	}
	// Out-of-order data inside the cache is inserted in order.
	mustSet(t, b, "odom", "base_link", last-sec/2+1, mk(-100, 0, 0, quat.Number{Real: 1}), false)
	got, err := b.Lookup("odom", "base_link", last-sec/2+1)
	if err != nil || got.Translation.X != -100 {
		t.Errorf("out-of-order sample: %v, %v", got, err)
	}
	// The same stamp replaces the sample.
	mustSet(t, b, "odom", "base_link", last, mk(42, 0, 0, quat.Number{Real: 1}), false)
	got, err = b.Lookup("odom", "base_link", last)
	if err != nil || got.Translation.X != 42 {
		t.Errorf("replaced sample: %v, %v", got, err)
	}
	// A long gap prunes down to the newest sample only.
	mustSet(t, b, "odom", "base_link", last+time.Hour.Nanoseconds(), Identity(), false)
	if n := len(f.cache.live()); n != 1 {
		t.Errorf("after a gap: %d samples, want 1", n)
	}
}

func TestMaxSamplesPerEdge(t *testing.T) {
	b := newBuffer(t, Config{MaxSamplesPerEdge: 5})
	for k := int64(0); k < 10; k++ {
		mustSet(t, b, "odom", "base_link", t0+k*ms, Identity(), false)
	}
	_, err := b.Lookup("odom", "base_link", t0)
	var le *LookupError
	if !errors.As(err, &le) || le.Earliest != t0+5*ms || le.Latest != t0+9*ms {
		t.Errorf("error = %v, want range [t0+5ms, t0+9ms]", err)
	}
}

func TestMaxFrames(t *testing.T) {
	b := newBuffer(t, Config{MaxFrames: 3})
	mustSet(t, b, "a", "b", 0, Identity(), true)
	mustSet(t, b, "b", "c", 0, Identity(), true)
	mustSet(t, b, "a", "c", 0, Identity(), true) // re-parent, no new frame
	if err := b.SetTransform("c", "d", 0, Identity(), true); !errors.Is(err, ErrTooManyFrames) {
		t.Errorf("error = %v, want ErrTooManyFrames", err)
	}
	if got := b.Frames(); fmt.Sprint(got) != "[a b c]" {
		t.Errorf("Frames() = %v", got)
	}
}

func TestStaticDynamicMixAndReparent(t *testing.T) {
	b := robotTree(t)
	// Static edges answer at any stamp, even far from the dynamic data.
	for _, stamp := range []int64{1, t0 - 1000*sec, t0 + 1000*sec} {
		if _, err := b.Lookup("camera_front_optical", "lidar", stamp); err != nil {
			t.Errorf("static path at %d: %v", stamp, err)
		}
	}
	// A static edge becoming dynamic starts a history and is no longer valid
	// at all times.
	mustSet(t, b, "base_link", "lidar", t0+sec, mk(0, 0, 3, quat.Number{Real: 1}), false)
	if _, err := b.Lookup("base_link", "lidar", t0); !errors.Is(err, ErrExtrapolation) {
		t.Errorf("static→dynamic: lookup before the only sample: %v", err)
	}
	got, err := b.Lookup("base_link", "lidar", t0+sec)
	if err != nil || !vecNear(got.Translation, r3.Vec{Z: 3}, tol) {
		t.Errorf("static→dynamic: %v, %v", got, err)
	}
	// And back to static.
	mustSet(t, b, "base_link", "lidar", 0, mk(0, 0, 4, quat.Number{Real: 1}), true)
	got, err = b.Lookup("base_link", "lidar", t0-5*sec)
	if err != nil || !vecNear(got.Translation, r3.Vec{Z: 4}, tol) {
		t.Errorf("dynamic→static: %v, %v", got, err)
	}
	// Re-parenting replaces the parent.
	mustSet(t, b, "camera_front", "lidar", 0, mk(0, 0, 1, quat.Number{Real: 1}), true)
	if p, ok := b.Parent("lidar"); !ok || p != "camera_front" {
		t.Errorf("Parent(lidar) = %q, %v", p, ok)
	}
	got, err = b.Lookup("base_link", "lidar", t0)
	if err != nil || !vecNear(got.Translation, r3.Vec{X: 2, Z: 2}, tol) {
		t.Errorf("after re-parent: %v, %v", got, err)
	}
	// Re-parenting a dynamic edge drops the old history.
	mustSet(t, b, "map", "base_link", t0+5*sec, Identity(), false)
	_, err = b.Lookup("map", "base_link", t0)
	var le *LookupError
	if !errors.As(err, &le) || le.Parent != "map" || le.Earliest != t0+5*sec {
		t.Errorf("dynamic re-parent: %v", err)
	}
	if p, _ := b.Parent("base_link"); p != "map" {
		t.Errorf("Parent(base_link) = %q", p)
	}
	if _, ok := b.Parent("map"); ok {
		t.Error("Parent(map) reported a parent for a root")
	}
}

func TestLatestCommonTimeAndClear(t *testing.T) {
	b := robotTree(t)
	mustSet(t, b, "map", "gps", t0+sec/2, Identity(), false)
	for _, tc := range []struct {
		target, source string
		want           int64
	}{
		{"lidar", "camera_front_optical", Latest},
		{"lidar", "lidar", Latest},
		{"map", "lidar", t0 + sec},
		{"gps", "lidar", t0 + sec/2},
	} {
		got, err := b.LatestCommonTime(tc.target, tc.source)
		if err != nil || got != tc.want {
			t.Errorf("LatestCommonTime(%s, %s) = %d, %v; want %d", tc.target, tc.source, got, err, tc.want)
		}
	}
	if _, err := b.LatestCommonTime("lidar", "nope"); !errors.Is(err, ErrUnknownFrame) {
		t.Errorf("unknown frame: %v", err)
	}

	want := `'base_link':
  parent: 'odom'
  static: false
  rate: 1.000
  most_recent_transform: 1700000001.000000000
  oldest_transform: 1700000000.000000000
  buffer_length: 1.000
  samples: 2
`
	if y := b.AllFramesAsYAML(); !strings.HasPrefix(y, want) || !strings.Contains(y, "'camera_front_optical':\n  parent: 'camera_front'\n  static: true\n") {
		t.Errorf("AllFramesAsYAML:\n%s", y)
	}
	if got := fmt.Sprint(b.Frames()); got != "[base_link camera_front camera_front_optical gps lidar map odom]" {
		t.Errorf("Frames() = %s", got)
	}

	b.Clear()
	if _, err := b.Lookup("map", "lidar", t0); !errors.Is(err, ErrNotConnected) {
		t.Errorf("after Clear: %v, want ErrNotConnected", err)
	}
	if _, err := b.Lookup("base_link", "camera_front_optical", t0); err != nil {
		t.Errorf("after Clear, static path: %v", err)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	b := robotTree(t)
	calls := map[string]func(){
		"Lookup": func() { _, _ = b.Lookup("camera_front_optical", "map", t0+sec/3) },
		"Latest": func() { _, _ = b.Lookup("map", "lidar", Latest) },
		"Full":   func() { _, _ = b.LookupFull("lidar", t0+sec, "lidar", t0, "odom") },
		"Can":    func() { _ = b.CanTransform("lidar", "camera_front_optical", t0) },
	}
	for name, f := range calls {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}

// TestConcurrent feeds /tf-like and /tf_static-like writers while readers
// look up; run with -race.
func TestConcurrent(t *testing.T) {
	b := robotTree(t)
	var wg sync.WaitGroup
	const n = 2000
	wg.Add(4)
	go func() {
		defer wg.Done()
		for k := int64(0); k < n; k++ {
			_ = b.SetTransform("odom", "base_link", t0+sec+k*ms, mk(float64(k), 0, 0, yaw(float64(k)/100)), false)
		}
	}()
	go func() {
		defer wg.Done()
		for k := 0; k < n/10; k++ {
			_ = b.SetTransform("base_link", fmt.Sprintf("sensor%d", k%7), 0, mk(float64(k), 0, 0, quat.Number{Real: 1}), true)
		}
	}()
	for r := 0; r < 2; r++ {
		go func() {
			defer wg.Done()
			for k := int64(0); k < n; k++ {
				if _, err := b.Lookup("map", "lidar", t0+sec+k*ms/2); err != nil && !errors.Is(err, ErrExtrapolation) {
					t.Errorf("Lookup: %v", err)
					return
				}
				_, _ = b.Lookup("camera_front_optical", "lidar", Latest)
				_ = b.Frames()
			}
		}()
	}
	wg.Wait()
	if _, err := b.Lookup("map", "lidar", t0+sec+(n-1)*ms); err != nil {
		t.Error(err)
	}
}

func TestWaitForTransform(t *testing.T) {
	b := robotTree(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		got, err := b.WaitForTransform(ctx, "odom", "radar", t0+2*sec)
		if err == nil && !vecNear(got.Translation, r3.Vec{X: 5}, tol) {
			err = fmt.Errorf("got %v, want translation (5, 0, 0)", got)
		}
		done <- err
	}()
	time.Sleep(5 * time.Millisecond)
	mustSet(t, b, "base_link", "radar", 0, mk(3, 0, 0, quat.Number{Real: 1}), true) // radar known, odom edge too old
	time.Sleep(5 * time.Millisecond)
	mustSet(t, b, "odom", "base_link", t0+2*sec, mk(2, 0, 0, quat.Number{Real: 1}), false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Past extrapolation returns at once.
	if _, err := b.WaitForTransform(ctx, "odom", "lidar", t0-sec); !errors.Is(err, ErrExtrapolation) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("past: %v", err)
	}
	// Expiry wraps both errors.
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	_, err := b.WaitForTransform(short, "odom", "nope", t0)
	if !errors.Is(err, ErrUnknownFrame) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
	var le *LookupError
	if !errors.As(err, &le) || le.Frame != "nope" {
		t.Errorf("timeout error does not carry the LookupError: %v", err)
	}
}
