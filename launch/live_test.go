//go:build ros2

// The launch tier: the launch files run by the real `ros2 launch` against
// the installed package (scripts/ros2/launch-test.sh builds it with colcon
// and sources it), a simulated drive published onto the graph, and the
// nodes checked with the real ROS 2 tools, as a user types them.

package launch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	simdrives "github.com/gopercept/gopercept/internal/testfix/drive"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/rcl"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

func TestMain(m *testing.M) {
	domain := 1 + (os.Getpid()+53)%200
	os.Setenv("ROS_DOMAIN_ID", strconv.Itoa(domain))
	os.Setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
	os.Setenv("ROS_LOCALHOST_ONLY", "")
	fmt.Fprintf(os.Stderr, "launch tier: ROS_DOMAIN_ID=%d\n", domain)
	code := m.Run()
	if simulated.path != "" {
		os.RemoveAll(filepath.Dir(simulated.path))
	}
	os.Exit(code)
}

// drive is short and light: a 32-beam lidar at 512 columns and the six
// small cameras bevfusion's default parameters read.
var drive = simdrive.Config{Seed: 11, Duration: 2, Lidar: "hdl32", Columns: 512, Cameras: "six", Width: 352, Height: 128, Depth: true, Pedestrians: 12}

// graphTopics maps a topic of the simulated drive to the topics the nodes
// read in namespace ns with their shipped parameter files (params/*.yaml,
// all relative names): lidar/points (lidarseg, bevfusion; lidar instead
// where not empty), camera/image, camera_info and depth (pose2d, the front
// camera) and cameras/<camera>/image and camera_info (bevfusion).
func graphTopics(topic, ns, lidar string) []string {
	rel := func(name string) string { return "/" + strings.Trim(ns+"/"+name, "/") }
	switch topic {
	case simdrive.TopicTF, simdrive.TopicTFStatic:
		return []string{topic}
	case simdrive.TopicPoints:
		if lidar != "" {
			return []string{rel(lidar)}
		}
		return []string{rel("lidar/points")}
	}
	if rest, ok := strings.CutPrefix(topic, "/cameras/"); ok {
		out := []string{rel("cameras/" + rest)}
		if front, ok := strings.CutPrefix(rest, "cam_front/"); ok {
			out = append(out, rel("camera/"+front))
		}
		return out
	}
	return nil
}

type message struct {
	topic string
	data  []byte
	log   int64
}

// player publishes the simulated drive onto the graph, into one or more
// namespaces.
type player struct {
	node  *rcl.Node
	pubs  map[string]*rcl.Publisher
	msgs  []message
	stop  context.CancelFunc
	done  chan struct{}
	first int64
	nss   []string
	lidar map[string]string // namespace → lidar topic where not lidar/points
}

func (p *player) topics(topic, ns string) []string { return graphTopics(topic, ns, p.lidar[ns]) }

// simulated holds the drive, simulated once for every test.
var simulated struct {
	once sync.Once
	path string
	err  error
}

func driveBag(t *testing.T) string {
	t.Helper()
	simulated.once.Do(func() {
		dir, err := os.MkdirTemp("", "gopercept-launch-")
		if err != nil {
			simulated.err = err
			return
		}
		simulated.path = filepath.Join(dir, "drive.mcap")
		simulated.err = simdrives.Write(simulated.path, drive)
	})
	if simulated.err != nil {
		t.Fatalf("simulate the drive: %v", simulated.err)
	}
	return simulated.path
}

// newPlayer publishes the drive in each of nss ("" is the root namespace);
// lidar names, per namespace, a lidar topic other than lidar/points.
func newPlayer(t *testing.T, lidar map[string]string, nss ...string) *player {
	t.Helper()
	path := driveBag(t)
	rd, err := bag.Open(path, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	n, err := rcl.NewNode("drive_player", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &player{node: n, pubs: map[string]*rcl.Publisher{}, first: -1, nss: nss, lidar: lidar}
	for _, ti := range rd.Topics() {
		q := rcl.SensorData()
		switch ti.Name {
		case simdrive.TopicTFStatic:
			q = rcl.TransientLocal(1)
		case simdrive.TopicTF:
			q = rcl.Reliable(100)
		}
		for _, ns := range nss {
			for _, g := range p.topics(ti.Name, ns) {
				if p.pubs[g] == nil {
					if p.pubs[g], err = n.NewPublisher(g, ti.Type, q); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		if graphTopics(m.Topic, "", "") != nil {
			p.msgs = append(p.msgs, message{topic: m.Topic, data: append([]byte(nil), m.Data...), log: m.LogTime})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.stop, p.done = cancel, make(chan struct{})
	go func() { defer close(p.done); n.Spin(ctx) }()
	t.Cleanup(func() { p.stop(); <-p.done; n.Close() })
	return p
}

// waitSubscribed waits until every one of topics has a subscriber (the
// nodes are lazy: they subscribe once their outputs have one).
func (p *player) waitSubscribed(t *testing.T, d time.Duration, topics ...string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		missing := ""
		for _, tp := range topics {
			if c, _ := p.pubs[tp].SubscriptionCount(); c == 0 {
				missing = tp
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nobody subscribed to %s within %v", missing, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// play publishes the drive once at its own rate into namespaces nss (all
// of the player's when none are given).
func (p *player) play(t *testing.T, nss ...string) {
	t.Helper()
	start := time.Now()
	first := p.msgs[0].log
	if len(nss) == 0 {
		nss = p.nss
	}
	for _, m := range p.msgs {
		if d := time.Until(start.Add(time.Duration(m.log - first))); d > 0 {
			time.Sleep(d)
		}
		for _, ns := range nss {
			for _, g := range p.topics(m.topic, ns) {
				if err := p.pubs[g].Publish(m.data); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// proc is a background command (ros2 launch, ros2 topic echo) in its own
// process group, so stopping it stops what it started.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{name: strings.Join(args, " "), done: make(chan struct{})}
	p.cmd = exec.Command(args[0], args[1:]...)
	p.cmd.Dir = t.TempDir() // relative paths must resolve in the installed package, not here
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.interrupt(t) })
	return p
}

// interrupt stops the process group as Ctrl-C does, then kills what is left.
func (p *proc) interrupt(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Errorf("%s did not stop on SIGINT within 15 s", p.name)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// wait waits for the process to end by itself.
func (p *proc) wait(d time.Duration) (exited bool) {
	select {
	case <-p.done:
		return true
	default:
	}
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// ros2cmd runs a ros2 command to its end and returns its output.
func ros2cmd(t *testing.T, d time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ros2", args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// paramGet is `ros2 param get NODE NAME`, asked again while discovery has
// not found the node yet (without the daemon every call discovers anew).
func paramGet(t *testing.T, node, name string) (string, error) {
	t.Helper()
	var out string
	var err error
	for try := 0; try < 5; try++ {
		out, err = ros2cmd(t, 30*time.Second, "param", "get", "--no-daemon", "--spin-time", "2", node, name)
		if !strings.Contains(out, "Node not found") {
			break
		}
	}
	return out, err
}

// waitNodes polls `ros2 node list` until it shows every one of want.
func waitNodes(t *testing.T, d time.Duration, launch *proc, want ...string) {
	t.Helper()
	deadline := time.Now().Add(d)
	var last string
	for time.Now().Before(deadline) {
		out, _ := ros2cmd(t, 20*time.Second, "node", "list", "--no-daemon", "--spin-time", "2")
		last = out
		have := map[string]bool{}
		for _, l := range strings.Fields(out) {
			have[l] = true
		}
		ok := true
		for _, w := range want {
			ok = ok && have[w]
		}
		if ok {
			return
		}
		if launch.wait(500 * time.Millisecond) {
			t.Fatalf("ros2 launch ended before %v were up: %v\n%s", want, launch.err, launch.output())
		}
	}
	t.Fatalf("ros2 node list shows %q within %v, want %v\nlaunch output:\n%s", strings.Fields(last), d, want, launch.output())
}

// echoOnce starts a one-message echo of topic with the real tools: `ros2
// topic echo --once`, or rclpy (testdata/echo_once.py) where the ROS
// environment lacks rosidl_runtime_py, which ros2topic needs.
func echoOnce(t *testing.T, topic, typ string) *proc {
	t.Helper()
	if haveTopicTool(t) {
		return start(t, "ros2", "topic", "echo", "--once", "--no-daemon", "--field", "header", topic, typ)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "echo_once.py"))
	if err != nil {
		t.Fatal(err)
	}
	return start(t, "python3", script, topic, typ)
}

var topicTool struct {
	once sync.Once
	ok   bool
}

func haveTopicTool(t *testing.T) bool {
	topicTool.once.Do(func() {
		if os.Getenv("GOPERCEPT_LAUNCH_ECHO") == "rclpy" {
			return
		}
		err := exec.Command("python3", "-c", "import rosidl_runtime_py").Run()
		topicTool.ok = err == nil
		if !topicTool.ok {
			t.Log("rosidl_runtime_py is missing from the ROS environment (../shared/ros2-python lacks it), so `ros2 topic echo` cannot start: outputs are received with rclpy (testdata/echo_once.py) instead")
		}
	})
	return topicTool.ok
}

func needInstalled(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ros2"); err != nil {
		t.Fatal("no ros2 on PATH: run scripts/ros2/launch-test.sh, which installs the ROS 2 CLI and builds and sources the package")
	}
	if out, err := ros2cmd(t, 20*time.Second, "pkg", "prefix", "gopercept"); err != nil {
		t.Fatalf("ros2 pkg prefix gopercept: %v\n%s\nrun scripts/ros2/launch-test.sh, which builds and sources the package", err, out)
	}
}

type output struct{ node, topic, typ string }

// waitEchoes plays the drive until every echo got its message, at most
// three times, and checks each printed a header stamped by the drive.
func waitEchoes(t *testing.T, p *player, echoes map[output]*proc) {
	t.Helper()
	for round := 0; round < 3; round++ {
		p.play(t)
		all := true
		for _, e := range echoes {
			all = all && e.wait(3*time.Second)
		}
		if all {
			break
		}
	}
	for o, e := range echoes {
		if !e.wait(0) {
			t.Errorf("%s: no message on %s after three plays of the drive\n%s", o.node, o.topic, e.output())
			continue
		}
		out := e.output()
		if e.err != nil || !strings.Contains(out, "frame_id:") || !strings.Contains(out, "sec:") {
			t.Errorf("%s: echo of %s ended with %v and printed no header:\n%s", o.node, o.topic, e.err, out)
		}
	}
}

// TestPerceptionLaunch runs the README's command: all three nodes up, each
// with the models its params file names, each producing its main output.
func TestPerceptionLaunch(t *testing.T) {
	needInstalled(t)
	t0 := time.Now()
	// The nodes start while the drive is simulated.
	launch := start(t, "ros2", "launch", "gopercept", "perception.launch.py")
	p := newPlayer(t, nil, "")
	t.Logf("drive simulated in %v", time.Since(t0).Round(time.Millisecond))
	waitNodes(t, 60*time.Second, launch, "/lidarseg", "/pose2d", "/bevfusion")
	t.Logf("nodes up at %v", time.Since(t0).Round(time.Millisecond))

	outputs := []output{
		{"lidarseg", "/lidarseg/labelled", "sensor_msgs/msg/PointCloud2"},
		{"pose2d", "/pose2d/skeletons", "gopercept_msgs/msg/Skeleton2DArray"},
		{"bevfusion", "/bevfusion/occupancy", "nav_msgs/msg/OccupancyGrid"},
	}
	echoes := map[output]*proc{}
	for _, o := range outputs {
		echoes[o] = echoOnce(t, o.topic, o.typ)
	}
	p.waitSubscribed(t, 60*time.Second, "/lidar/points", "/camera/image", "/cameras/cam_back/image")
	t.Logf("inputs subscribed at %v", time.Since(t0).Round(time.Millisecond))
	waitEchoes(t, p, echoes)
	t.Logf("outputs received at %v", time.Since(t0).Round(time.Millisecond))

	// Each node loaded the models its params file names (the launch file
	// no longer overrides them); lidarseg's card picked its sparse member
	// for the drive's 32-beam lidar.
	logs := launch.output()
	for _, model := range []string{"lidarseg-any-small", "lidarseg-any-sparse-small", "pose-heatmap-small", "detector-person-small", "bev-small-camera", "bev-small-fuser"} {
		if !strings.Contains(logs, "infer: "+model+" runs on CPUExecutionProvider") {
			t.Errorf("launch log does not show %s loaded:\n%s", model, logs)
		}
	}
	var wg sync.WaitGroup
	for _, n := range []string{"lidarseg", "pose2d", "bevfusion"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := paramGet(t, "/"+n, "use_sim_time")
			if err != nil || !strings.Contains(out, "Boolean value is: False") {
				t.Errorf("ros2 param get /%s use_sim_time: %v\n%s", n, err, out)
			}
		}()
	}
	wg.Wait()
	t.Logf("parameters read at %v", time.Since(t0).Round(time.Millisecond))
	launch.interrupt(t)
	for _, n := range []string{"lidarseg", "pose2d", "bevfusion"} {
		if !strings.Contains(launch.output(), "["+n+"-") || !strings.Contains(launch.output(), n+": shut down") {
			t.Errorf("%s did not shut down cleanly on Ctrl-C:\n%s", n, launch.output())
		}
	}
}

// TestNamespacedLaunch: a node's launch file with namespace, use_sim_time
// and model and provider overrides, each honoured, seen through the real
// tools.
func TestNamespacedLaunch(t *testing.T) {
	needInstalled(t)
	// The bundled model under another path: the override must be what runs.
	dir := t.TempDir()
	for _, f := range []string{"lidarseg-small.onnx", "lidarseg-small.card.yaml"} {
		raw, err := os.ReadFile(filepath.Join("..", "models", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	model := filepath.Join(dir, "lidarseg-small.onnx")
	// The shipped file plus a "/**" section as a shared file has it: another
	// node's parameter (ignored with a warning, as rclcpp does) and a
	// standard QoS override (honoured: the output's publisher is transient
	// local), named as rclcpp names it, after namespacing.
	shipped, err := os.ReadFile(filepath.Join("..", "params", "lidarseg.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	paramsFile := filepath.Join(dir, "lidarseg.yaml")
	extra := "\n/**:\n  ros__parameters:\n    other_nodes_parameter: 1\n    qos_overrides:\n      /veh1/lidarseg/labelled:\n        publisher:\n          durability: transient_local\n          depth: 5\n"
	if err := os.WriteFile(paramsFile, append(shipped, extra...), 0o644); err != nil {
		t.Fatal(err)
	}
	// The input from a launch argument, relative: /veh1/ouster/points.
	p := newPlayer(t, map[string]string{"veh1": "ouster/points"}, "veh1")
	launch := start(t, "ros2", "launch", "gopercept", "lidarseg.launch.py", "lidarseg_params_file:="+paramsFile,
		"namespace:=veh1", "use_sim_time:=true", "lidarseg_model_path:="+model, "lidarseg_providers:=[cpu]",
		"lidarseg_input_topic:=ouster/points")
	waitNodes(t, 60*time.Second, launch, "/veh1/lidarseg")

	var wg sync.WaitGroup
	for name, want := range map[string]string{
		"use_sim_time":    "Boolean value is: True",
		"model.path":      "String value is: " + model,
		"model.providers": "String values are: ['cpu']",
		"input_topic":     "String value is: ouster/points",
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := paramGet(t, "/veh1/lidarseg", name)
			if err != nil || !strings.Contains(out, want) {
				t.Errorf("ros2 param get /veh1/lidarseg %s: %v: %q, want %q", name, err, strings.TrimSpace(out), want)
			}
		}()
	}
	wg.Wait()
	// A subscriber kept for the rest of the test, so the lazy node stays
	// subscribed to its input while ros2 node info looks.
	w := watchOutputs(t, "/veh1/lidarseg/labelled")
	p.waitSubscribed(t, 60*time.Second, "/veh1/ouster/points")
	// ros2 node info: exactly the documented topics and services, under the
	// namespace, with /clock (use_sim_time reached the node).
	checkNodeInfo(t, "veh1", "lidarseg", map[string]any{"input_topic": "ouster/points"}, true)
	echo := echoOnce(t, "/veh1/lidarseg/labelled", "sensor_msgs/msg/PointCloud2")
	waitEchoes(t, p, map[output]*proc{{"lidarseg", "/veh1/lidarseg/labelled", "sensor_msgs/msg/PointCloud2"}: echo})
	if w.count("/veh1/lidarseg/labelled") == 0 {
		t.Error("the watcher received nothing on /veh1/lidarseg/labelled")
	}
	if out := launch.output(); !strings.Contains(out, "does not declare other_nodes_parameter: ignored") || strings.Contains(out, "qos_overrides./veh1/lidarseg/labelled.publisher.depth") {
		t.Errorf("want one warning naming other_nodes_parameter and none for the QoS override:\n%s", out)
	}
	// The QoS override took effect: the graph shows the publisher transient
	// local (the default is volatile).
	if out, err := qosInfo(t, "/veh1/lidarseg/labelled", "/veh1/lidarseg", "publisher"); err != nil || !strings.Contains(out, "durability=transient_local") {
		t.Errorf("qos_overrides./veh1/lidarseg/labelled.publisher.durability transient_local not in effect: %v: %s", err, out)
	}
	// The node names the model it loaded when it reports the projection
	// settings the model's card replaces.
	if !strings.Contains(launch.output(), "model="+model) {
		t.Errorf("the launch log does not show the overriding model %s loaded:\n%s", model, launch.output())
	}
}

// TestTwoNamespaces: two lidarseg instances at once, in veh1 and veh2, each
// reading its own namespace's cloud (veh2's through the input_topic launch
// argument) and publishing under its own name: a drive played into veh1
// reaches only veh1's output, one played into veh2 only veh2's, and
// `ros2 node info` of each lists exactly its documented topics and services.
func TestTwoNamespaces(t *testing.T) {
	needInstalled(t)
	p := newPlayer(t, map[string]string{"veh2": "ouster/points"}, "veh1", "veh2")
	l1 := start(t, "ros2", "launch", "gopercept", "lidarseg.launch.py", "namespace:=veh1")
	l2 := start(t, "ros2", "launch", "gopercept", "lidarseg.launch.py", "namespace:=veh2", "lidarseg_input_topic:=ouster/points")
	waitNodes(t, 60*time.Second, l1, "/veh1/lidarseg", "/veh2/lidarseg")
	if l2.wait(0) {
		t.Fatalf("the veh2 launch ended: %v\n%s", l2.err, l2.output())
	}
	w := watchOutputs(t, "/veh1/lidarseg/labelled", "/veh2/lidarseg/labelled")
	p.waitSubscribed(t, 60*time.Second, "/veh1/lidar/points", "/veh2/ouster/points")
	var wg sync.WaitGroup
	for _, c := range []struct {
		ns        string
		overrides map[string]any
	}{{"veh1", nil}, {"veh2", map[string]any{"input_topic": "ouster/points"}}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checkNodeInfo(t, c.ns, "lidarseg", c.overrides, false)
		}()
	}
	wg.Wait()
	for _, c := range []struct{ ns, other string }{{"veh1", "veh2"}, {"veh2", "veh1"}} {
		mine, theirs := "/"+c.ns+"/lidarseg/labelled", "/"+c.other+"/lidarseg/labelled"
		before := w.count(theirs)
		for round := 0; round < 3 && w.count(mine) == 0; round++ {
			p.play(t, c.ns)
			time.Sleep(2 * time.Second)
		}
		if w.count(mine) == 0 {
			t.Errorf("a drive played into %s: nothing on %s\n%s%s", c.ns, mine, l1.output(), l2.output())
		}
		// The other node's input stayed silent, so its output must too
		// (a late frame of its own drive aside, which the order rules out:
		// veh1 plays first, and veh2's count is read before its drive).
		if c.ns == "veh1" && w.count(theirs) != before {
			t.Errorf("a drive played into veh1 produced %d messages on %s", w.count(theirs)-before, theirs)
		}
	}
	for _, l := range []*proc{l1, l2} {
		l.interrupt(t)
		if !strings.Contains(l.output(), "lidarseg: shut down") {
			t.Errorf("%s did not shut down cleanly:\n%s", l.name, l.output())
		}
	}
}

// watcher counts the messages received on output topics, with a
// subscription held until the test ends (lazy nodes subscribe to their
// inputs only while their outputs have one).
type watcher struct {
	mu sync.Mutex
	n  map[string]int
}

func (w *watcher) count(topic string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[topic]
}

func watchOutputs(t *testing.T, topics ...string) *watcher {
	t.Helper()
	n, err := rcl.NewNode("output_watch", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{n: map[string]int{}}
	for _, topic := range topics {
		if _, err := n.NewSubscription(topic, "sensor_msgs/msg/PointCloud2", rcl.Reliable(10), func([]byte, rcl.MessageInfo) {
			w.mu.Lock()
			w.n[topic]++
			w.mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Spin(ctx) }()
	t.Cleanup(func() { cancel(); <-done; n.Close() })
	return w
}

// documented lists what `ros2 node info` must show of a gopercept node in
// namespace ns, section by section ("Subscribers", "Publishers", "Service
// Servers"; entries "name: type"): its inputs and outputs as it declares
// them with its shipped parameter file and overrides, resolved; what the
// driver adds to every node (internal/ros/rcl/doc.go: /tf and /tf_static, /clock with
// use_sim_time; /diagnostics, /rosout, /parameter_events; the six
// parameter services); nothing else.
func documented(t *testing.T, ns, name string, overrides map[string]any, simTime bool) map[string][]string {
	t.Helper()
	ins, outs := nodeTopics(t, name, overrides)
	fqn := strings.TrimSuffix(resolveIn("~/", ns, name), "/") // /<ns>/<name>
	want := map[string][]string{
		"Subscribers": {"/tf: tf2_msgs/msg/TFMessage", "/tf_static: tf2_msgs/msg/TFMessage"},
		"Publishers": {"/diagnostics: diagnostic_msgs/msg/DiagnosticArray", "/parameter_events: rcl_interfaces/msg/ParameterEvent",
			"/rosout: rcl_interfaces/msg/Log"},
	}
	if simTime {
		want["Subscribers"] = append(want["Subscribers"], "/clock: rosgraph_msgs/msg/Clock")
	}
	for _, in := range ins {
		want["Subscribers"] = append(want["Subscribers"], resolveIn(in.Name, ns, name)+": "+in.Type)
	}
	for _, o := range outs {
		want["Publishers"] = append(want["Publishers"], resolveIn(o.Name, ns, name)+": "+o.Type)
	}
	for _, s := range []string{"DescribeParameters", "GetParameterTypes", "GetParameters", "ListParameters", "SetParameters", "SetParametersAtomically"} {
		svc := strings.ToLower(s[:1]) + s[1:]
		var snake strings.Builder
		for _, r := range svc {
			if r >= 'A' && r <= 'Z' {
				snake.WriteByte('_')
				r += 'a' - 'A'
			}
			snake.WriteRune(r)
		}
		want["Service Servers"] = append(want["Service Servers"], fqn+"/"+snake.String()+": rcl_interfaces/srv/"+s)
	}
	for _, v := range want {
		sort.Strings(v)
	}
	return want
}

// checkNodeInfo runs `ros2 node info` on /<ns>/<name> and compares every
// section with documented.
func checkNodeInfo(t *testing.T, ns, name string, overrides map[string]any, simTime bool) {
	t.Helper()
	fqn := "/" + ns + "/" + name
	want := documented(t, ns, name, overrides, simTime)
	var got map[string][]string
	var out string
	// Discovery without the daemon may show a node before all its
	// endpoints: ask again while the answer differs.
	for try := 0; try < 5; try++ {
		var err error
		out, err = ros2cmd(t, 30*time.Second, "node", "info", "--no-daemon", "--spin-time", "3", fqn)
		if err != nil {
			continue
		}
		got = parseNodeInfo(out)
		if equalSections(got, want) {
			return
		}
	}
	t.Errorf("ros2 node info %s:\n%s\nwant exactly:\n%s", fqn, out, formatSections(want))
}

// parseNodeInfo reads `ros2 node info`'s sections: a "  Name:" line, then
// "    entry" lines.
func parseNodeInfo(out string) map[string][]string {
	got := map[string][]string{}
	section := ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "    ") && section != "":
			got[section] = append(got[section], strings.TrimSpace(line))
		case strings.HasPrefix(line, "  ") && strings.HasSuffix(line, ":"):
			section = strings.TrimSuffix(strings.TrimSpace(line), ":")
		}
	}
	for _, v := range got {
		sort.Strings(v)
	}
	return got
}

func equalSections(a, b map[string][]string) bool {
	for _, k := range []string{"Subscribers", "Publishers", "Service Servers", "Service Clients", "Action Servers", "Action Clients"} {
		if strings.Join(a[k], "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}

func formatSections(m map[string][]string) string {
	var b strings.Builder
	for _, k := range []string{"Subscribers", "Publishers", "Service Servers"} {
		b.WriteString("  " + k + ":\n")
		for _, e := range m[k] {
			b.WriteString("    " + e + "\n")
		}
	}
	return b.String()
}

// qosInfo runs testdata/qos_info.py: the QoS of node's endpoint on topic
// as the graph reports it.
func qosInfo(t *testing.T, topic, node, kind string) (string, error) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "qos_info.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "python3", script, topic, node, kind).CombinedOutput()
	return string(out), err
}

// TestLaunchMissingModel: a launch argument naming a missing model stops
// the launch at start, naming the file.
func TestLaunchMissingModel(t *testing.T) {
	needInstalled(t)
	missing := filepath.Join(t.TempDir(), "no-such-model.onnx")
	launch := start(t, "ros2", "launch", "gopercept", "pose2d.launch.py", "pose2d_model_path:="+missing)
	if !launch.wait(60 * time.Second) {
		t.Fatalf("ros2 launch with a missing model still runs after 60 s:\n%s", launch.output())
	}
	if launch.err == nil {
		t.Errorf("ros2 launch with a missing model exited 0:\n%s", launch.output())
	}
	if out := launch.output(); !strings.Contains(out, "pose2d_model_path: no such file: "+missing) {
		t.Errorf("the launch error does not name the missing file %s:\n%s", missing, out)
	}
}

// TestLaunchArguments: `ros2 launch ... --show-args` lists every node's
// scoped arguments and the shared ones, with the launch system itself
// reading the files.
func TestLaunchArguments(t *testing.T) {
	needInstalled(t)
	out, err := ros2cmd(t, 60*time.Second, "launch", "gopercept", "perception.launch.py", "--show-args")
	if err != nil {
		t.Fatalf("ros2 launch --show-args: %v\n%s", err, out)
	}
	for _, arg := range []string{"namespace", "use_sim_time", "providers", "rviz", "dds_profile",
		"lidarseg_params_file", "lidarseg_model_path", "lidarseg_providers",
		"pose2d_params_file", "pose2d_model_path", "pose2d_detector_path", "pose2d_providers",
		"bevfusion_params_file", "bevfusion_encoder_model", "bevfusion_fuser_model", "bevfusion_providers"} {
		if !strings.Contains(out, "'"+arg+"':") {
			t.Errorf("perception.launch.py does not declare %s:\n%s", arg, out)
		}
	}
	if strings.Contains(out, "'model_path':") {
		t.Errorf("an unscoped model_path argument is back (included files would share it):\n%s", out)
	}
}

// TestCameraOnlyLaunch: bevfusion launched camera-only from a params file
// (cloud_topic "", the bev-camera-only-small pair trained for it), seen through the
// real tools: `ros2 param get` shows the empty cloud topic, `ros2 node
// info` lists the camera inputs and no PointCloud2, and the node publishes
// its occupancy grid from the cameras alone while the drive plays, without
// the warning of a fuser run in a mode it was not trained for.
func TestCameraOnlyLaunch(t *testing.T) {
	needInstalled(t)
	shipped, err := os.ReadFile(filepath.Join("..", "params", "bevfusion.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(shipped)
	for old, repl := range map[string]string{
		"cloud_topic: lidar/points":                   `cloud_topic: ""`,
		"encoder_model: models/bev-small-camera.onnx": "encoder_model: models/bev-camera-only-small-camera.onnx",
		"fuser_model: models/bev-small-fuser.onnx":    "fuser_model: models/bev-camera-only-small-fuser.onnx",
	} {
		if !strings.Contains(s, old) {
			t.Fatalf("params/bevfusion.yaml no longer has %q", old)
		}
		s = strings.Replace(s, old, repl, 1)
	}
	paramsFile := filepath.Join(t.TempDir(), "bevfusion.yaml")
	if err := os.WriteFile(paramsFile, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPlayer(t, nil, "cam")
	launch := start(t, "ros2", "launch", "gopercept", "bevfusion.launch.py", "bevfusion_params_file:="+paramsFile, "namespace:=cam")
	waitNodes(t, 60*time.Second, launch, "/cam/bevfusion")
	if out, err := paramGet(t, "/cam/bevfusion", "cloud_topic"); err != nil || !strings.Contains(out, "String value is: ") || strings.Contains(out, "lidar") {
		t.Errorf("ros2 param get /cam/bevfusion cloud_topic: %v: %q, want the empty string", err, strings.TrimSpace(out))
	}
	echo := echoOnce(t, "/cam/bevfusion/occupancy", "nav_msgs/msg/OccupancyGrid")
	p.waitSubscribed(t, 60*time.Second, "/cam/cameras/cam_front/image")
	checkNodeInfo(t, "cam", "bevfusion", map[string]any{"cloud_topic": "",
		"encoder_model": "models/bev-camera-only-small-camera.onnx", "fuser_model": "models/bev-camera-only-small-fuser.onnx"}, false)
	waitEchoes(t, p, map[output]*proc{{"bevfusion", "/cam/bevfusion/occupancy", "nav_msgs/msg/OccupancyGrid"}: echo})
	logs := launch.output()
	if strings.Contains(logs, "not trained for") {
		t.Errorf("the camera-only pair warns about its mode when run camera-only:\n%s", logs)
	}
	for _, model := range []string{"bev-camera-only-small-camera", "bev-camera-only-small-fuser"} {
		if !strings.Contains(logs, "infer: "+model+" runs on CPUExecutionProvider") {
			t.Errorf("launch log does not show %s loaded:\n%s", model, logs)
		}
	}
	launch.interrupt(t)
}

// TestAnyLidarLaunch: lidarseg launched with the model of any lidar
// (lidarseg_model_path, dynamic rows and columns) sizes it from the drive's
// 32-beam, 512-column lidar, says so in its log, and publishes labelled
// clouds, seen through the real ros2 launch, param and an rclpy echo.
func TestAnyLidarLaunch(t *testing.T) {
	needInstalled(t)
	p := newPlayer(t, nil, "anylidar")
	launch := start(t, "ros2", "launch", "gopercept", "lidarseg.launch.py", "namespace:=anylidar",
		"lidarseg_model_path:=models/lidarseg-any-small.onnx")
	waitNodes(t, 60*time.Second, launch, "/anylidar/lidarseg")
	if out, err := paramGet(t, "/anylidar/lidarseg", "model.path"); err != nil || !strings.Contains(out, "models/lidarseg-any-small.onnx") {
		t.Errorf("ros2 param get /anylidar/lidarseg model.path: %v: %q", err, strings.TrimSpace(out))
	}
	echo := echoOnce(t, "/anylidar/lidarseg/labelled", "sensor_msgs/msg/PointCloud2")
	p.waitSubscribed(t, 60*time.Second, "/anylidar/lidar/points")
	waitEchoes(t, p, map[output]*proc{{"lidarseg", "/anylidar/lidarseg/labelled", "sensor_msgs/msg/PointCloud2"}: echo})
	logs := launch.output()
	if !strings.Contains(logs, "infer: lidarseg-any-small runs on CPUExecutionProvider") {
		t.Errorf("launch log does not show lidarseg-any-small loaded:\n%s", logs)
	}
	if !strings.Contains(logs, "model input sized 32×512 for the lidar: 32 beams") {
		t.Errorf("launch log does not show the model sized to the 32-beam, 512-column lidar:\n%s", logs)
	}
	launch.interrupt(t)
}

// TestMultiScaleLaunch: pose2d launched with MoveNet MultiPose and
// model.input_sizes [256, 192] in a params file, as a user writes it (a
// YAML list of integers through ros2 launch), opens one session per size,
// reports the sizes through ros2 param get, and publishes skeletons for the
// drive's images, seen through the real ros2 launch, param and an rclpy
// echo.
func TestMultiScaleLaunch(t *testing.T) {
	needInstalled(t)
	raw, err := os.ReadFile(filepath.Join("..", "params", "pose2d.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for old, repl := range map[string]string{
		"path: models/pose-heatmap-small.onnx": "path: models/movenet-multipose.onnx",
		"input_sizes: []":                      "input_sizes: [256, 192]",
	} {
		if !strings.Contains(s, old) {
			t.Fatalf("params/pose2d.yaml no longer has %q", old)
		}
		s = strings.Replace(s, old, repl, 1)
	}
	paramsFile := filepath.Join(t.TempDir(), "pose2d.yaml")
	if err := os.WriteFile(paramsFile, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPlayer(t, nil, "ms")
	launch := start(t, "ros2", "launch", "gopercept", "pose2d.launch.py", "pose2d_params_file:="+paramsFile, "namespace:=ms")
	waitNodes(t, 60*time.Second, launch, "/ms/pose2d")
	if out, err := paramGet(t, "/ms/pose2d", "model.input_sizes"); err != nil || !strings.Contains(out, "256") || !strings.Contains(out, "192") {
		t.Errorf("ros2 param get /ms/pose2d model.input_sizes: %v: %q, want 256 and 192", err, strings.TrimSpace(out))
	}
	echo := echoOnce(t, "/ms/pose2d/skeletons", "gopercept_msgs/msg/Skeleton2DArray")
	p.waitSubscribed(t, 60*time.Second, "/ms/camera/image")
	waitEchoes(t, p, map[output]*proc{{"pose2d", "/ms/pose2d/skeletons", "gopercept_msgs/msg/Skeleton2DArray"}: echo})
	logs := launch.output()
	if n := strings.Count(logs, "infer: movenet-multipose runs on CPUExecutionProvider"); n != 2 {
		t.Errorf("launch log shows movenet-multipose loaded %d times, want 2 (256 and 192):\n%s", n, logs)
	}
	launch.interrupt(t)
}

// TestLaunchDDSProfile: the launch files give each node the shipped Fast
// DDS profile, whose shared-memory segment carries a 3 MB cloud (the node
// logs the profile it runs with), and dds_profile:=none leaves Fast DDS's
// defaults.
func TestLaunchDDSProfile(t *testing.T) {
	needInstalled(t)
	t.Setenv("FASTRTPS_DEFAULT_PROFILES_FILE", "")
	t.Setenv("FASTDDS_DEFAULT_PROFILES_FILE", "")
	for _, tc := range []struct {
		args []string
		want *regexp.Regexp
	}{
		{nil, regexp.MustCompile(`DDS profile: /\S*/share/gopercept/launch/fastdds_shm\.xml`)},
		{[]string{"dds_profile:=none"}, regexp.MustCompile(`DDS profile: Fast DDS defaults`)},
	} {
		launch := start(t, append([]string{"ros2", "launch", "gopercept", "pose2d.launch.py", "namespace:=dds"}, tc.args...)...)
		waitNodes(t, 60*time.Second, launch, "/dds/pose2d")
		deadline := time.Now().Add(30 * time.Second)
		for !tc.want.MatchString(launch.output()) && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		if out := launch.output(); !tc.want.MatchString(out) {
			t.Errorf("ros2 launch %v: the node's log does not say %q:\n%s", tc.args, tc.want, out)
		}
		launch.interrupt(t)
	}
}
