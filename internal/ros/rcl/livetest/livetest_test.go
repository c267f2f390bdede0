//go:build ros2

// Package livetest runs each gopercept node as its own process on a real
// ROS 2 graph (Fast DDS over loopback, an isolated domain), feeds it a
// simulated drive at sensor rates, and checks what comes out against the
// same node run in process on the same input; then it sends malformed
// messages and checks that the node stays up, says so on /diagnostics, and
// processes the next good message.
package livetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	simdrives "github.com/gopercept/gopercept/internal/testfix/drive"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rcl"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosmsg"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/diagnostic_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/tf"
	_ "github.com/gopercept/gopercept/nodes/all"
)

var root = func() string { r, _ := filepath.Abs("../../../.."); return r }()

func TestMain(m *testing.M) {
	domain := 1 + (os.Getpid()+97)%200
	os.Setenv("ROS_DOMAIN_ID", strconv.Itoa(domain))
	os.Setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
	os.Setenv("ROS_LOCALHOST_ONLY", "")
	if os.Getenv("RMW_IMPLEMENTATION") == "" {
		os.Setenv("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")
	}
	fmt.Fprintf(os.Stderr, "livetest: ROS_DOMAIN_ID=%d\n", domain)
	os.Exit(m.Run())
}

// bad is a malformed input and the words /diagnostics must use for it.
type bad struct {
	topic, typ string
	data       func(good []byte) []byte
	want       string
}

// liveCase is one node under test: its executable, its parameters, the
// topics of the simulated drive it reads, and the malformed inputs.
type liveCase struct {
	node   string
	params string // YAML for --params-file, in ROS 2 layout
	sim    simdrive.Config
	bad    []bad
}

// simBag simulates cfg into a temporary MCAP and returns its path.
func simBag(t *testing.T, cfg simdrive.Config) string {
	t.Helper()
	return simdrives.Temp(t, cfg)
}

// expected runs the node in process over the bag and returns its outputs
// by topic and header stamp.
func expected(t *testing.T, c liveCase, bagPath, paramsFile string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	_, err := replay.Run(context.Background(), replay.Config{Inputs: []string{bagPath}, Nodes: []string{c.node}, ParamsFile: paramsFile, Fast: true, Root: root,
		OnOutput: func(_, topic string, _ int64, m cdr.Message) {
			out[key(topic, m)] = cdr.Marshal(m)
		}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// key identifies an output by topic and header stamp, when it has one.
func key(topic string, m cdr.Message) string {
	if s, ok := stampOf(m); ok {
		return topic + "@" + strconv.FormatInt(s, 10)
	}
	return topic
}

func keyOfBytes(topic, typ string, data []byte) string {
	m, err := rosmsg.New(typ)
	if err != nil || cdr.Unmarshal(data, m) != nil {
		return topic
	}
	return key(topic, m)
}

func buildNode(t *testing.T, name string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-tags", "ros2", "-o", exe, "./nodes/"+name+"/cmd/"+name)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	return exe
}

func runLive(t *testing.T, c liveCase) {
	bagPath := simBag(t, c.sim)
	params := filepath.Join(t.TempDir(), "params.yaml")
	if err := os.WriteFile(params, []byte(c.params), 0o644); err != nil {
		t.Fatal(err)
	}
	want := expected(t, c, bagPath, params)
	if len(want) == 0 {
		t.Fatalf("%s produced nothing in process: the live comparison would be empty", c.node)
	}

	exe := buildNode(t, c.node)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	proc := exec.CommandContext(ctx, exe, "--ros-args", "--params-file", params, "-p", "diagnostics_period:=0.25")
	proc.Dir = root
	proc.Env = append(os.Environ(), "GOPERCEPT_ROOT="+root)
	proc.Stdout, proc.Stderr = &logs, &logs
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	defer func() {
		proc.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil && ctx.Err() == nil {
				t.Errorf("%s exited badly on SIGINT: %v\n%s", c.node, err, logs.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("%s did not stop on SIGINT", c.node)
			proc.Process.Kill()
		}
	}()

	peer, err := rcl.NewNode("livetest_"+c.node, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	// The node's declared outputs, subscribed reliably.
	f, err := node.Lookup(c.node)
	if err != nil {
		t.Fatal(err)
	}
	declared, err := describe(f, c, params)
	if err != nil {
		t.Fatal(err)
	}
	defer declared.Close()
	var mu sync.Mutex
	var arrivals atomic.Int64
	got := map[string][]byte{}
	var diags []diagnostic_msgs.DiagnosticStatus
	var lastArr diagnostic_msgs.DiagnosticArray
	for _, o := range declared.Outputs() {
		o := o
		if _, err := peer.NewSubscription(replay.ResolveTopic(o.Name, c.node), o.Type, rcl.Reliable(50), func(b []byte, _ rcl.MessageInfo) {
			k := keyOfBytes(replay.ResolveTopic(o.Name, c.node), o.Type, b)
			arrivals.Add(1)
			// Fast DDS pads a payload to 4 bytes and flags it in the
			// encapsulation options; compare what the message says.
			norm := canonical(o.Type, b)
			mu.Lock()
			got[k] = norm
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := peer.NewSubscription("/diagnostics", diagnostic_msgs.DiagnosticArrayTypeName, rcl.Reliable(50), func(b []byte, _ rcl.MessageInfo) {
		var a diagnostic_msgs.DiagnosticArray
		if cdr.Unmarshal(b, &a) == nil {
			mu.Lock()
			diags = append(diags, a.Status...)
			lastArr = a
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	// Publishers for every topic of the drive the node reads, plus TF.
	inputs := map[string]bool{"/tf": true, "/tf_static": true}
	for _, in := range declared.Inputs() {
		inputs[replay.ResolveTopic(in.Name, c.node)] = true
	}
	pubs := map[string]*rcl.Publisher{}
	typeOf := map[string]string{}
	rd, err := bag.Open(bagPath, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range rd.Topics() {
		if !inputs[ti.Name] {
			continue
		}
		q := rcl.SensorData()
		switch ti.Name {
		case "/tf_static":
			q = rcl.TransientLocal(1)
		case "/tf":
			q = rcl.Reliable(100)
		}
		typeOf[ti.Name] = ti.Type
		if pubs[ti.Name], err = peer.NewPublisher(ti.Name, ti.Type, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range c.bad {
		if pubs[b.topic] == nil {
			if pubs[b.topic], err = peer.NewPublisher(b.topic, b.typ, rcl.SensorData()); err != nil {
				t.Fatal(err)
			}
		}
	}
	spinCtx, stopSpin := context.WithCancel(ctx)
	spinDone := make(chan struct{})
	go func() { defer close(spinDone); peer.Spin(spinCtx) }()
	defer func() { stopSpin(); <-spinDone }()

	// Wait until the node (lazy: it subscribes once we subscribe to its
	// outputs) has subscribed to every input.
	waitFor(t, 30*time.Second, c.node+" subscribing to its inputs", func() bool {
		for _, in := range declared.Inputs() {
			if p := pubs[replay.ResolveTopic(in.Name, c.node)]; p != nil {
				if n, _ := p.SubscriptionCount(); n == 0 {
					return false
				}
			}
		}
		return true
	}, &logs)

	// Play the drive at its own rate; keep one good message per input to
	// resend after the malformed ones.
	lastGood := map[string][]byte{}
	var lastStamp int64
	var first int64 = -1
	start := time.Now()
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		p := pubs[m.Topic]
		if p == nil {
			continue
		}
		if first < 0 {
			first = m.LogTime
		}
		if d := time.Until(start.Add(time.Duration(m.LogTime - first))); d > 0 {
			time.Sleep(d)
		}
		if err := p.Publish(m.Data); err != nil {
			t.Fatal(err)
		}
		lastGood[m.Topic] = append([]byte(nil), m.Data...)
		lastStamp = max(lastStamp, m.LogTime)
	}
	rd.Close()
	time.Sleep(time.Second)

	// Outputs: right types, stamps from the inputs, and the same bytes as
	// the in-process run for every stamp both saw.
	mu.Lock()
	matched := 0
	for k, b := range got {
		if w, ok := want[k]; ok {
			if !bytes.Equal(w, b) {
				t.Errorf("%s: live output %s differs from the in-process pipeline:\n live %s\n want %s", c.node, k, describeMsg(k, b), describeMsg(k, w))
			}
			matched++
		} else if strings.Contains(k, "@") {
			t.Errorf("%s: live output %s has a stamp no input had in process", c.node, k)
		}
	}
	mu.Unlock()
	if matched == 0 {
		t.Fatalf("%s: no live output matched the in-process run (got %v, want %v)\n%s", c.node, keys(got), keys(want), logs.String())
	}
	t.Logf("%s: %d live outputs matched the in-process pipeline byte for byte after re-encoding (%d expected)", c.node, matched, len(want))
	// How busy the node was: superseded (stale) inputs mean it was slower
	// than its sensors, so the comparison covered the driver's queueing.
	mu.Lock()
	for _, d := range lastArr.Status {
		if strings.Contains(d.Name, ": input ") || strings.HasSuffix(d.Name, ": processing") {
			var vals []string
			for _, kv := range d.Values {
				if strings.HasPrefix(kv.Key, "dropped ") || kv.Key == "received" || kv.Key == "processed" || kv.Key == "lost" || strings.HasPrefix(kv.Key, "frames_") {
					vals = append(vals, kv.Key+"="+kv.Value)
				}
			}
			t.Logf("%s: %s", d.Name, strings.Join(vals, " "))
		}
	}
	mu.Unlock()

	// Malformed inputs: the node survives, reports each, and goes on. Each
	// round is stamped a second after the last (nodes rightly drop frames
	// older than the last they processed), with TF first and the malformed
	// message in place of its topic's good one, so that nodes that only
	// look at an input when another arrives (bevfusion's camera sync) see it.
	stampNow := lastStamp
	round := func(badTopic string, badData func([]byte) []byte) {
		stampNow += int64(time.Second)
		for _, topic := range resendOrder(lastGood) {
			data := restamp(t, typeOf[topic], lastGood[topic], stampNow)
			if topic == badTopic {
				data = badData(data)
			}
			if err := pubs[topic].Publish(data); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The inputs are best effort, as on a vehicle: on a loaded machine a
	// round's message can be lost before the node (its diagnostics count
	// it), so a round is sent again every resendEvery while waiting; a node
	// that never reports still fails at the deadline.
	lastDiag := func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(lastArr.Status) == 0 {
			return "(none)"
		}
		var out string
		for _, d := range lastArr.Status {
			out += "\n  [" + d.Name + "] " + d.Message
			for _, kv := range d.Values {
				out += "\n    " + kv.Key + " = " + kv.Value
			}
		}
		return out
	}
	for _, b := range c.bad {
		round(b.topic, b.data)
		round(b.topic, b.data)
		waitResend(t, 20*time.Second, func() string {
			return fmt.Sprintf("%s reporting %q on /diagnostics (last:%s)", c.node, b.want, lastDiag())
		}, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, d := range diags {
				for _, kv := range d.Values {
					if strings.Contains(kv.Key+" "+kv.Value, b.want) {
						return true
					}
				}
				if strings.Contains(d.Message, b.want) {
					return true
				}
			}
			return false
		}, func() { round(b.topic, b.data) }, &logs)
		select {
		case err := <-exited:
			t.Fatalf("%s died on a malformed %s: %v\n%s", c.node, b.topic, err, logs.String())
		default:
		}
		before := arrivals.Load()
		round("", nil)
		round("", nil)
		waitResend(t, 20*time.Second, func() string { return c.node + " processing the next good message (last:" + lastDiag() + ")" }, func() bool {
			return arrivals.Load() > before
		}, func() { round("", nil) }, &logs)
	}
}

// describe builds the node in process with the case's parameters to learn
// its topics.
func describe(f node.Factory, c liveCase, paramsFile string) (node.Node, error) {
	values, err := param.LoadFile(paramsFile, c.node)
	if err != nil {
		return nil, err
	}
	ps := param.New(c.node, values)
	node.DeclareDriverParams(ps)
	buf, _ := tf.New(tf.Config{})
	return f(node.Env{Name: c.node, Params: ps, TF: buf, Stats: node.NewStats(), Root: root})
}

// stampOf returns a message's header stamp, if it has a header, or else
// its first element's (a MarkerArray has no header of its own; keyed by
// topic alone, the last array live and in process would be compared even
// when they came from different frames).
func stampOf(m cdr.Message) (int64, bool) {
	v := reflect.ValueOf(m).Elem()
	if s, ok := headerStamp(v); ok {
		return s, true
	}
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() > 0 && f.Type().Elem().Kind() == reflect.Struct {
			if s, ok := headerStamp(f.Index(0)); ok {
				return s, true
			}
		}
	}
	return 0, false
}

func headerStamp(v reflect.Value) (int64, bool) {
	h := v.FieldByName("Header")
	if !h.IsValid() {
		return 0, false
	}
	hdr, ok := h.Interface().(std_msgs.Header)
	if !ok {
		return 0, false
	}
	return node.StampNS(hdr.Stamp), true
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > 8 {
		out = append(out[:8], "…")
	}
	return out
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool, logs *bytes.Buffer) {
	t.Helper()
	waitResend(t, d, func() string { return what }, ok, nil, logs)
}

// resendEvery is how often waitResend calls resend.
const resendEvery = 2 * time.Second

// waitResend waits up to d for ok, calling resend (when not nil) every
// resendEvery; what describes the wait when it times out.
func waitResend(t *testing.T, d time.Duration, what func() string, ok func() bool, resend func(), logs *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(d)
	next := time.Now().Add(resendEvery)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		if resend != nil && time.Now().After(next) {
			short, _, _ := strings.Cut(what(), "(last:")
			t.Logf("still waiting for %s: sending the round again", short)
			resend()
			next = time.Now().Add(resendEvery)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s\nnode log:\n%s", what(), logs.String())
}

// restamp returns data with every header stamp in the message set to
// stamp (ns), so that all inputs of a round are in sync.
func restamp(t *testing.T, typ string, data []byte, stamp int64) []byte {
	m, err := rosmsg.New(typ)
	if err != nil {
		t.Fatal(err)
	}
	if err := cdr.Unmarshal(data, m); err != nil {
		t.Fatal(err)
	}
	setStamps(reflect.ValueOf(m).Elem(), stamp)
	return cdr.Marshal(m)
}

func setStamps(v reflect.Value, stamp int64) {
	switch v.Kind() {
	case reflect.Struct:
		if h, ok := v.Addr().Interface().(*std_msgs.Header); ok {
			h.Stamp = node.TimeFromNS(stamp)
			return
		}
		for i := 0; i < v.NumField(); i++ {
			setStamps(v.Field(i), stamp)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Struct {
			for i := 0; i < v.Len(); i++ {
				setStamps(v.Index(i), stamp)
			}
		}
	}
}

// resendOrder lists the topics to resend: /tf first, then the rest sorted,
// /tf_static left out (it is timeless and already latched).
func resendOrder(m map[string][]byte) []string {
	var out []string
	for k := range m {
		if k != "/tf" && k != "/tf_static" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if _, ok := m["/tf"]; ok {
		out = append([]string{"/tf"}, out...)
	}
	return out
}

// canonical re-encodes data with our codec (no transport padding).
func canonical(typ string, data []byte) []byte {
	m, err := rosmsg.New(typ)
	if err != nil || cdr.Unmarshal(data, m) != nil {
		return append([]byte(nil), data...)
	}
	return cdr.Marshal(m)
}

// describeMsg prints a message's start for a failure report.
func describeMsg(key string, data []byte) string {
	s := fmt.Sprintf("%d bytes", len(data))
	if m, err := rosmsg.New("gopercept_msgs/msg/Skeleton2DArray"); err == nil && strings.Contains(key, "skeletons") && cdr.Unmarshal(data, m) == nil {
		s += fmt.Sprintf(" %+v", m)
	}
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}
