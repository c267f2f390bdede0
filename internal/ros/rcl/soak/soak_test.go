//go:build ros2

// Package soak runs all three nodes on the live graph for minutes, a
// simulated drive played at sensor rates, and checks the delivery
// accounting their /diagnostics give — per input topic, published =
// received + lost (lost: publisher sequence gaps) and received = processed
// + dropped — that bevfusion fuses its frames with every camera (the
// share on /diagnostics), and that their memory stays flat. It runs only when
// GOPERCEPT_SOAK_SECONDS is set (scripts/ros2/test.sh sets 120).
package soak

import (
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
	"syscall"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rcl"
	"github.com/gopercept/gopercept/internal/ros/rosmsg"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/diagnostic_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	bevfusionnode "github.com/gopercept/gopercept/nodes/bevfusion"
)

var root = func() string { wd, _ := os.Getwd(); return filepath.Join(wd, "..", "..", "..", "..") }()

func TestMain(m *testing.M) {
	domain := 1 + (os.Getpid()+97)%200
	os.Setenv("ROS_DOMAIN_ID", strconv.Itoa(domain))
	os.Setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
	os.Setenv("ROS_LOCALHOST_ONLY", "")
	if os.Getenv("RMW_IMPLEMENTATION") == "" {
		os.Setenv("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")
	}
	// A shared-memory segment that holds the player's bursts of camera
	// images (testdata/fastdds.xml says why); the nodes inherit it.
	if os.Getenv("FASTRTPS_DEFAULT_PROFILES_FILE") == "" {
		os.Setenv("FASTRTPS_DEFAULT_PROFILES_FILE", filepath.Join(root, "ros2", "soak", "testdata", "fastdds.xml"))
	}
	os.Exit(m.Run())
}

// loop is the drive played over and over (simulating is slower than real
// time on a loaded machine): a 32-beam lidar at 10 Hz, six small cameras
// at 12 Hz with the front camera's depth.
var loop = simdrive.Config{Seed: 7, Duration: 3, Lidar: "hdl32", Columns: 512, Cameras: "six", Width: 352, Height: 128, Depth: true, Pedestrians: 8}

// graphTopics maps a simulated topic to the topics the nodes read with
// their shipped params files (relative names in the root namespace):
// lidar/points, cameras/<cam>/image|camera_info, and the front camera also
// as camera/image|camera_info|depth for pose2d.
func graphTopics(topic string) []string {
	switch topic {
	case simdrive.TopicTF, simdrive.TopicTFStatic, simdrive.TopicPoints:
		return []string{topic}
	}
	if rest, ok := strings.CutPrefix(topic, "/cameras/"); ok {
		out := []string{topic}
		if front, ok := strings.CutPrefix(rest, "cam_front/"); ok {
			out = append(out, "/camera/"+front)
		}
		return out
	}
	return nil
}

type message struct {
	topic, typ string
	log        int64
	data       []byte
}

// recorder keeps the drive's messages the nodes read.
type recorder struct {
	topics map[uint16]bag.Topic
	msgs   []message
}

func (r *recorder) AddTopic(t bag.Topic) (uint16, error) {
	id := uint16(len(r.topics))
	r.topics[id] = t
	return id, nil
}

func (r *recorder) Write(id uint16, logTime, _ int64, data []byte) error {
	t := r.topics[id]
	if graphTopics(t.Name) != nil {
		r.msgs = append(r.msgs, message{topic: t.Name, typ: t.Type, log: logTime, data: append([]byte(nil), data...)})
	}
	return nil
}

// shift moves every std_msgs/Header stamp in v by d nanoseconds (each lap
// of the loop is later than the last, so TF and the nodes see time go on).
func shift(v reflect.Value, d int64) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			shift(v.Elem(), d)
		}
	case reflect.Struct:
		if h, ok := v.Addr().Interface().(*std_msgs.Header); ok {
			h.Stamp = node.TimeFromNS(node.StampNS(h.Stamp) + d)
			return
		}
		for i := 0; i < v.NumField(); i++ {
			shift(v.Field(i), d)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			for i := 0; i < v.Len(); i++ {
				shift(v.Index(i), d)
			}
		}
	}
}

type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out.Len() < 1<<20 {
		p.out.Write(b)
	}
	return len(b), nil
}

func (p *proc) log() string { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }

// rssKB reads the process's resident set size.
func (p *proc) rssKB() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no VmRSS", p.name)
}

// allCamerasFloor is the least share of bevfusion's frames fused with
// every camera during the soak (and with each camera), checked when no
// camera lost more than maxLostShare of its images before the node.
const (
	allCamerasFloor = 0.8
	maxLostShare    = 0.05
)

// counts is one node input's accounting from /diagnostics.
type counts struct{ received, processed, lost, dropped int64 }

func TestSoak(t *testing.T) {
	secs, _ := strconv.Atoi(os.Getenv("GOPERCEPT_SOAK_SECONDS"))
	if secs <= 0 {
		t.Skip("GOPERCEPT_SOAK_SECONDS not set: soak not run (scripts/ros2/test.sh sets it)")
	}
	soak := time.Duration(secs) * time.Second

	// Build the three node executables and simulate the loop meanwhile.
	bin := t.TempDir()
	built := make(chan error, 1)
	go func() {
		cmd := exec.Command("go", "build", "-tags", "ros2", "-o", bin+"/", "./nodes/lidarseg/cmd/lidarseg", "./nodes/pose2d/cmd/pose2d", "./nodes/bevfusion/cmd/bevfusion")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("go build: %v\n%s", err, out)
		}
		built <- err
	}()
	rec := &recorder{topics: map[uint16]bag.Topic{}}
	if _, err := simdrive.Run(context.Background(), loop, rec); err != nil {
		t.Fatal(err)
	}
	if err := <-built; err != nil {
		t.Fatal(err)
	}
	lap := rec.msgs[len(rec.msgs)-1].log - rec.msgs[0].log + int64(100*time.Millisecond)

	peer, err := rcl.NewNode("soak_player", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	pubs := map[string]*rcl.Publisher{}
	for _, m := range rec.msgs {
		q := rcl.SensorData()
		switch m.topic {
		case simdrive.TopicTFStatic:
			q = rcl.TransientLocal(1)
		case simdrive.TopicTF:
			q = rcl.Reliable(100)
		}
		for _, g := range graphTopics(m.topic) {
			if pubs[g] == nil {
				if pubs[g], err = peer.NewPublisher(g, m.typ, q); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var mu sync.Mutex
	last := map[string]diagnostic_msgs.DiagnosticStatus{}
	if _, err := peer.NewSubscription("/diagnostics", diagnostic_msgs.DiagnosticArrayTypeName, rcl.Reliable(100), func(b []byte, _ rcl.MessageInfo) {
		var a diagnostic_msgs.DiagnosticArray
		if cdr.Unmarshal(b, &a) == nil {
			mu.Lock()
			for _, s := range a.Status {
				last[s.Name] = s
			}
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	spinCtx, stopSpin := context.WithCancel(context.Background())
	spun := make(chan struct{})
	go func() { defer close(spun); peer.Spin(spinCtx) }()
	defer func() { stopSpin(); <-spun }()

	var procs []*proc
	for _, name := range []string{"lidarseg", "pose2d", "bevfusion"} {
		p := &proc{name: name}
		p.cmd = exec.Command(filepath.Join(bin, name), "--ros-args", "--params-file", filepath.Join(root, "params", name+".yaml"),
			"-p", "lazy:=false", "-p", "diagnostics_period:=0.5")
		p.cmd.Env = append(os.Environ(), "GOPERCEPT_ROOT="+root)
		p.cmd.Stdout, p.cmd.Stderr = p, p
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	defer func() {
		for _, p := range procs {
			p.cmd.Process.Signal(os.Interrupt)
		}
		for _, p := range procs {
			done := make(chan error, 1)
			go func() { done <- p.cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s exited with %v\n%s", p.name, err, p.log())
				}
			case <-time.After(20 * time.Second):
				p.cmd.Process.Kill()
				t.Errorf("%s did not stop on SIGINT", p.name)
			}
		}
	}()
	failf := func(format string, a ...any) {
		t.Helper()
		var logs string
		for _, p := range procs {
			l := p.log()
			logs += fmt.Sprintf("\n--- %s (last 3000 bytes)\n%s", p.name, l[max(0, len(l)-3000):])
		}
		t.Fatalf(format+"%s", append(a, logs)...)
	}

	// accounting reads every node input's counts from the latest statuses.
	accounting := func() map[string]counts {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]counts{}
		for name, s := range last {
			if !strings.Contains(name, ": input ") {
				continue
			}
			var c counts
			for _, kv := range s.Values {
				v, _ := strconv.ParseInt(kv.Value, 10, 64)
				switch {
				case kv.Key == "received":
					c.received = v
				case kv.Key == "processed":
					c.processed = v
				case kv.Key == "lost":
					c.lost = v
				case strings.HasPrefix(kv.Key, "dropped "):
					c.dropped += v
				}
			}
			out[name] = c
		}
		return out
	}
	// fusedFrames reads bevfusion's counts of fused frames from its
	// processing status: all of them, those with every camera, and per
	// camera (by name) those it was masked in.
	fusedFrames := func() (fused, allCams int64, masked map[string]int64) {
		mu.Lock()
		defer mu.Unlock()
		masked = map[string]int64{}
		for _, kv := range last["bevfusion: processing"].Values {
			v, _ := strconv.ParseInt(kv.Value, 10, 64)
			switch kv.Key {
			case bevfusionnode.FactFramesFused:
				fused = v
			case bevfusionnode.FactFramesAllCameras:
				allCams = v
			}
			if cam, ok := strings.CutPrefix(kv.Key, "camera."); ok {
				if cam, ok := strings.CutSuffix(cam, ".masked_frames"); ok {
					masked[cam] = v
				}
			}
		}
		return fused, allCams, masked
	}
	published := map[string]int64{}
	publish := func(g string, data []byte) {
		if err := pubs[g].Publish(data); err != nil {
			t.Fatal(err)
		}
		published[g]++
	}
	laps := 0
	// play publishes the loop at its own rate from lap laps on, for d.
	play := func(d time.Duration) {
		start := time.Now()
		for time.Since(start) < d {
			t0 := time.Now()
			first := rec.msgs[0].log
			for _, m := range rec.msgs {
				if m.topic == simdrive.TopicTFStatic {
					if laps == 0 {
						for _, g := range graphTopics(m.topic) {
							publish(g, m.data)
						}
					}
					continue
				}
				if w := time.Until(t0.Add(time.Duration(m.log - first))); w > 0 {
					time.Sleep(w)
				}
				data := m.data
				if laps > 0 {
					msg, err := rosmsg.New(m.typ)
					if err != nil {
						t.Fatal(err)
					}
					if err := cdr.Unmarshal(m.data, msg); err != nil {
						t.Fatal(err)
					}
					shift(reflect.ValueOf(msg), int64(laps)*lap)
					data = cdr.Marshal(msg)
				}
				for _, g := range graphTopics(m.topic) {
					publish(g, data)
				}
			}
			laps++
			time.Sleep(time.Until(t0.Add(time.Duration(lap))))
		}
	}

	// Warm up until every node reports every input received at least once
	// (the sequence-gap count needs a first message of each publisher).
	inputs := 0
	deadline := time.Now().Add(3 * time.Minute)
	for {
		play(time.Duration(lap))
		acc := accounting()
		inputs = len(acc)
		all := inputs > 0
		for _, c := range acc {
			all = all && c.received > 0
		}
		if all && inputs >= 17 { // lidarseg 1 + pose2d 3 + bevfusion 13 (6 images, 6 camera_info, 1 cloud)
			break
		}
		if time.Now().After(deadline) {
			failf("warm-up: inputs reported %d of 17: %v", inputs, acc)
		}
	}
	// drain lets what is in flight arrive and be processed, then waits for
	// received = processed + dropped on every input (a slow node may still
	// hold a frame) and returns the accounting.
	drain := func(what string) map[string]counts {
		time.Sleep(2 * time.Second)
		var acc map[string]counts
		waitUntil := time.Now().Add(60 * time.Second)
		for {
			time.Sleep(time.Second) // two diagnostics periods
			acc = accounting()
			settled := true
			for _, c := range acc {
				settled = settled && c.received == c.processed+c.dropped
			}
			if settled {
				return acc
			}
			if time.Now().After(waitUntil) {
				failf("%s: received != processed + dropped after 60 s: %v", what, acc)
			}
		}
	}
	// tail publishes on each input topic one message at a time until the
	// node reports it, so that no loss hides after the last message
	// received (a gap is only seen when a later message arrives): before
	// each snapshot, or a loss before the first would count in the soak.
	tail := func() {
		for name := range accounting() {
			_, topic, _ := strings.Cut(name, ": input ")
			var m *message
			for i := range rec.msgs {
				for _, g := range graphTopics(rec.msgs[i].topic) {
					if g == topic && rec.msgs[i].topic != simdrive.TopicTFStatic {
						m = &rec.msgs[i]
					}
				}
			}
			if m == nil {
				failf("no message of the drive for %s", name)
			}
			for try := 0; ; try++ {
				time.Sleep(time.Second) // two diagnostics periods: the count is current
				before := accounting()[name].received
				msg, _ := rosmsg.New(m.typ)
				cdr.Unmarshal(m.data, msg)
				shift(reflect.ValueOf(msg), int64(laps)*lap)
				publish(topic, cdr.Marshal(msg))
				got := false
				for w := 0; w < 10 && !got; w++ {
					time.Sleep(300 * time.Millisecond)
					got = accounting()[name].received > before
				}
				if got {
					break
				}
				if try == 5 {
					failf("%s: none of 6 tail messages arrived", name)
				}
			}
		}
	}
	time.Sleep(2 * time.Second)
	tail()
	a := drain("after warm-up")
	fusedA, allA, maskedA := fusedFrames()
	pubA := map[string]int64{}
	for k, v := range published {
		pubA[k] = v
	}
	var rss [][]int64 // per sample, per process (kB)
	sampleDone := make(chan struct{})
	sampleCtx, stopSample := context.WithCancel(context.Background())
	go func() {
		defer close(sampleDone)
		tk := time.NewTicker(5 * time.Second)
		defer tk.Stop()
		for {
			var row []int64
			for _, p := range procs {
				kb, _ := p.rssKB()
				row = append(row, kb)
			}
			mu.Lock()
			rss = append(rss, row)
			mu.Unlock()
			select {
			case <-sampleCtx.Done():
				return
			case <-tk.C:
			}
		}
	}()
	t.Logf("soak: %v at sensor rates (lap %.1f s)", soak, float64(lap)/1e9)
	play(soak)
	stopSample()
	<-sampleDone

	time.Sleep(2 * time.Second)
	tail()
	b := drain("after the soak")
	fusedB, allB, maskedB := fusedFrames()

	// A message on a topic two nodes read counts for each.
	names := make([]string, 0, len(b))
	for name := range b {
		names = append(names, name)
	}
	sort.Strings(names)
	var totalLost, totalDropped, totalRecv int64
	for _, name := range names {
		_, topic, _ := strings.Cut(name, ": input ")
		pub := published[topic] - pubA[topic]
		recv := b[name].received - a[name].received
		lost := b[name].lost - a[name].lost
		drop := b[name].dropped - a[name].dropped
		totalLost += lost
		totalDropped += drop
		totalRecv += recv
		t.Logf("%-40s published %5d received %5d lost %4d processed %5d dropped %5d", name, pub, recv, lost, b[name].processed-a[name].processed, drop)
		if pub != recv+lost {
			t.Errorf("%s: published %d != received %d + lost %d", name, pub, recv, lost)
		}
		if pub < int64(soak/time.Second) {
			t.Errorf("%s: only %d published in %v: not at sensor rates", name, pub, soak)
		}
	}
	t.Logf("all inputs: received %d, lost before the nodes %d, dropped by the nodes %d", totalRecv, totalLost, totalDropped)

	// bevfusion fuses each cloud it processes with every camera whose
	// image is within sync_tolerance (50 ms); the simulated cameras (12 Hz)
	// have an image within 42 ms of every cloud (10 Hz), so a frame short
	// of a camera means its image did not reach the node in time: lost
	// before the node (DDS; counted in the input's lost), or let go by the
	// driver, which the queued camera inputs are there to prevent. The
	// floor is checked per camera whose images were (nearly) all received,
	// and for all cameras together when all of them were: with Fast DDS's
	// default 512 KB shared-memory segment (a caller's own profile file)
	// the player loses most front images, and the share is only logged.
	fused, allCams := fusedB-fusedA, allB-allA
	if fused <= 0 {
		t.Fatalf("bevfusion fused no frames during the soak (%s: %d → %d)", bevfusionnode.FactFramesFused, fusedA, fusedB)
	}
	share := float64(allCams) / float64(fused)
	allReceived := true
	cams := 0
	for _, name := range names {
		cam, ok := strings.CutPrefix(name, "bevfusion: input ")
		if !ok || !strings.HasSuffix(cam, "/image") {
			continue
		}
		cams++
		cam = strings.TrimSuffix(cam, "/image")
		_, topic, _ := strings.Cut(name, ": input ")
		lostShare := float64(b[name].lost-a[name].lost) / float64(published[topic]-pubA[topic])
		used := 1 - float64(maskedB[cam]-maskedA[cam])/float64(fused)
		received := lostShare <= maxLostShare
		allReceived = allReceived && received
		t.Logf("bevfusion: %-24s used in %.3f of the frames (%d masked); %.3f of its images lost before the node", cam, used, maskedB[cam]-maskedA[cam], lostShare)
		if received && used < allCamerasFloor {
			t.Errorf("bevfusion: camera %s used in only %.3f of the frames, want ≥ %.2f (%.3f of its images lost before the node)", cam, used, allCamerasFloor, lostShare)
		}
	}
	if cams != 6 {
		t.Errorf("bevfusion: %d camera image inputs on /diagnostics, want 6", cams)
	}
	t.Logf("bevfusion: %d frames fused, %d with all six cameras: share %.3f (floor %.2f, checked: %v)", fused, allCams, share, allCamerasFloor, allReceived)
	if allReceived && share < allCamerasFloor {
		t.Errorf("bevfusion fused only %.3f of its frames with every camera (%d of %d), want ≥ %.2f", share, allCams, fused, allCamerasFloor)
	}

	// Memory: the largest RSS of the last third against the first third
	// (after warm-up); a leak of a frame per message would add hundreds of
	// MB. Go's heap grows and shrinks with the GC: allow 10 % + 16 MB.
	mu.Lock()
	defer mu.Unlock()
	third := len(rss) / 3
	if third < 2 {
		t.Logf("memory: %d samples, too few to compare (soak shorter than 30 s)", len(rss))
		return
	}
	for i, p := range procs {
		var early, late int64
		for _, row := range rss[:third] {
			early = max(early, row[i])
		}
		for _, row := range rss[len(rss)-third:] {
			late = max(late, row[i])
		}
		t.Logf("%s: RSS %d MB early, %d MB late", p.name, early>>10, late>>10)
		if late > early+early/10+16<<10 {
			t.Errorf("%s: memory grew from %d MB to %d MB during the soak", p.name, early>>10, late>>10)
		}
	}
}
