//go:build ros2

package rcl

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
)

// lcNode is a test node that counts how often it was built for real (its
// "models" loaded) and closed; it republishes each Header it gets.
type lcNode struct {
	h    std_msgs.Header
	real bool // built to run, not only to declare its parameters
}

var lcBuilt, lcClosed atomic.Int64

func (*lcNode) Inputs() []node.Topic {
	return []node.Topic{{Name: "/lifecycletest/in", Type: std_msgs.HeaderTypeName}}
}
func (*lcNode) Outputs() []node.Topic {
	return []node.Topic{{Name: "/lifecycletest/out", Type: std_msgs.HeaderTypeName}}
}
func (n *lcNode) Close() error {
	if n.real {
		lcClosed.Add(1)
	}
	return nil
}
func (n *lcNode) Handle(in *node.Msg, pub node.Publisher) error {
	if err := cdr.Unmarshal(in.Data, &n.h); err != nil {
		return node.Dropf("decode", err)
	}
	return pub.Publish("/lifecycletest/out", &n.h)
}

func init() {
	node.Register("lifecycletest", func(env node.Env) (node.Node, error) {
		env.Params.String("model_path", "m.onnx", "A model the real build loads.")
		if !env.Describe {
			lcBuilt.Add(1)
		}
		return &lcNode{real: !env.Describe}, nil
	})
}

// TestLifecycleCLI drives a managed node (-p managed:=true) through
// configure, activate, deactivate, cleanup and shutdown with the real `ros2
// lifecycle` CLI (with rclpy calling the same services where the CLI
// cannot load: it needs rosidl_runtime_py), and checks what each state
// means: nothing built until configure, no input subscription until
// activate, outputs only while active, the node closed by cleanup, and the
// ~/transition_event messages.
func TestLifecycleCLI(t *testing.T) {
	ros2, err := exec.LookPath("ros2")
	if err != nil {
		t.Skip("no ros2 command on PATH (scripts/ros2-env.sh installs the CLI into the venv)")
	}
	py := rosPython(t)
	useCLI := exec.Command(py, "-c", "import rosidl_runtime_py").Run() == nil
	if !useCLI {
		t.Log("rosidl_runtime_py missing: ros2 lifecycle cannot load its verbs; rclpy calls the lifecycle services instead")
	}
	lcBuilt.Store(0)
	lcClosed.Store(0)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, RunConfig{Node: "lifecycletest", Args: []string{"--ros-args", "-p", "managed:=true", "-p", "lazy:=false"}})
	}()
	defer func() {
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop on cancel")
		}
	}()

	peer, err := NewNode("lifecycle_peer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	in, err := peer.NewPublisher("/lifecycletest/in", std_msgs.HeaderTypeName, Reliable(10))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var outs []string
	var events []transitionEvent
	if _, err := peer.NewSubscription("/lifecycletest/out", std_msgs.HeaderTypeName, Reliable(10), func(b []byte, _ MessageInfo) {
		var h std_msgs.Header
		if cdr.Unmarshal(b, &h) == nil {
			mu.Lock()
			outs = append(outs, h.FrameID)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.NewSubscription("/lifecycletest/transition_event", "lifecycle_msgs/msg/TransitionEvent", Reliable(10), func(b []byte, _ MessageInfo) {
		var ev transitionEvent
		if err := cdr.Unmarshal(b, &ev); err == nil {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	spinCtx, stopSpin := context.WithCancel(ctx)
	spun := make(chan struct{})
	go func() { defer close(spun); peer.Spin(spinCtx) }()
	defer func() { stopSpin(); <-spun }()

	// lifecycle runs one verb: `ros2 lifecycle`, or the same service calls
	// through rclpy (testdata/lifecycle.py prints what the CLI prints).
	lifecycle := func(args ...string) string {
		t.Helper()
		c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var cmd *exec.Cmd
		if useCLI {
			cmd = exec.CommandContext(c, ros2, append(append([]string{"lifecycle"}, args...), "--no-daemon", "--spin-time", "3")...)
		} else {
			cmd = exec.CommandContext(c, py, append([]string{"testdata/lifecycle.py"}, args...)...)
		}
		// The node may not be discovered by the first spin on a loaded machine.
		var out []byte
		for try := 0; try < 8; try++ {
			if out, err = cmd.CombinedOutput(); err == nil {
				return string(out)
			}
			cmd = exec.CommandContext(c, cmd.Path, cmd.Args[1:]...)
			time.Sleep(time.Second)
		}
		t.Fatalf("lifecycle %v: %v\n%s", args, err, out)
		return ""
	}
	expect := func(out, want string) {
		t.Helper()
		if !strings.Contains(out, want) {
			t.Fatalf("want %q in:\n%s", want, out)
		}
	}
	subs := func() int { n, _ := in.SubscriptionCount(); return n }
	publishUntil := func(what string, ok func() bool) {
		t.Helper()
		waitFor(t, 20*time.Second, what, func() bool {
			in.PublishMessage(&std_msgs.Header{FrameID: "probe"})
			time.Sleep(100 * time.Millisecond)
			return ok()
		})
	}
	nOuts := func() int { mu.Lock(); defer mu.Unlock(); return len(outs) }

	expect(lifecycle("get", "/lifecycletest"), "unconfigured [1]")
	if lcBuilt.Load() != 0 {
		t.Fatal("an unconfigured managed node loaded its models")
	}
	expect(lifecycle("list", "/lifecycletest"), "- configure [1]\n\tStart: unconfigured\n\tGoal: configuring")
	expect(lifecycle("set", "/lifecycletest", "configure"), "Transitioning successful")
	expect(lifecycle("get", "/lifecycletest"), "inactive [2]")
	if lcBuilt.Load() != 1 {
		t.Fatalf("configure built the node %d times, want 1", lcBuilt.Load())
	}
	out := lifecycle("list", "/lifecycletest")
	for _, want := range []string{"- cleanup [2]", "- activate [3]", "- shutdown [6]"} {
		expect(out, want)
	}
	time.Sleep(time.Second)
	if subs() != 0 {
		t.Fatal("an inactive node subscribed to its input")
	}
	expect(lifecycle("set", "/lifecycletest", "activate"), "Transitioning successful")
	publishUntil("an output while active", func() bool { return nOuts() > 0 })

	expect(lifecycle("set", "/lifecycletest", "deactivate"), "Transitioning successful")
	waitFor(t, 10*time.Second, "the input unsubscribed after deactivate", func() bool { return subs() == 0 })
	before := nOuts()
	for i := 0; i < 5; i++ {
		in.PublishMessage(&std_msgs.Header{FrameID: "paused"})
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if nOuts() != before {
		t.Fatalf("an inactive node published %d outputs", nOuts()-before)
	}
	// Reactivation resumes without reloading.
	expect(lifecycle("set", "/lifecycletest", "activate"), "Transitioning successful")
	publishUntil("an output after reactivation", func() bool { return nOuts() > before })
	expect(lifecycle("set", "/lifecycletest", "deactivate"), "Transitioning successful")
	expect(lifecycle("set", "/lifecycletest", "cleanup"), "Transitioning successful")
	expect(lifecycle("get", "/lifecycletest"), "unconfigured [1]")
	if lcBuilt.Load() != 1 || lcClosed.Load() != 1 {
		t.Fatalf("built %d, closed %d after cleanup; want 1, 1", lcBuilt.Load(), lcClosed.Load())
	}
	// Configure again after cleanup builds the node anew.
	expect(lifecycle("set", "/lifecycletest", "configure"), "Transitioning successful")
	if lcBuilt.Load() != 2 {
		t.Fatal("a second configure did not rebuild the node")
	}
	expect(lifecycle("set", "/lifecycletest", "shutdown"), "Transitioning successful")
	expect(lifecycle("get", "/lifecycletest"), "finalized [4]")
	if lcClosed.Load() != 2 {
		t.Fatalf("shutdown from inactive closed the node %d times in all, want 2", lcClosed.Load())
	}

	waitFor(t, 10*time.Second, "the transition events", func() bool { mu.Lock(); defer mu.Unlock(); return len(events) >= 16 })
	mu.Lock()
	defer mu.Unlock()
	var path []string
	for _, ev := range events {
		path = append(path, ev.Start.Label+">"+ev.Goal.Label)
	}
	want := "unconfigured>configuring configuring>inactive inactive>activating activating>active active>deactivating deactivating>inactive " +
		"inactive>activating activating>active active>deactivating deactivating>inactive inactive>cleaningup cleaningup>unconfigured " +
		"unconfigured>configuring configuring>inactive inactive>shuttingdown shuttingdown>finalized"
	if got := strings.Join(path, " "); got != want {
		t.Errorf("transition events:\n got %s\nwant %s", got, want)
	}
}

// TestLifecycleFailures: a failing callback returns the node to the state
// it started from; a panicking one goes through errorprocessing to
// unconfigured; a transition the state lacks is refused.
func TestLifecycleFailures(t *testing.T) {
	n, err := NewNode("lifecycle_failures", "/gopercept_test", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	var errorRan bool
	failConfigure := true
	l, err := n.ServeLifecycle(LifecycleCallbacks{
		OnConfigure: func() error {
			if failConfigure {
				return errors.New("model missing")
			}
			return nil
		},
		OnActivate: func() error { panic("device lost") },
		OnError:    func() error { errorRan = true; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if ok, err := l.Trigger(TransitionActivate, ""); ok || err == nil {
		t.Fatalf("activate from unconfigured: ok=%v err=%v", ok, err)
	}
	if ok, _ := l.Trigger(0, "configure"); ok {
		t.Fatal("a failing configure succeeded")
	}
	if id, _ := l.State(); id != StateUnconfigured {
		t.Fatalf("state %d after a failed configure, want unconfigured", id)
	}
	failConfigure = false
	if ok, _ := l.Trigger(0, "configure"); !ok {
		t.Fatal("configure failed")
	}
	if ok, _ := l.Trigger(TransitionActivate, ""); ok {
		t.Fatal("a panicking activate succeeded")
	}
	if id, label := l.State(); id != StateUnconfigured || !errorRan {
		t.Fatalf("after a panicking activate: state %s, error processing ran %v; want unconfigured, true", label, errorRan)
	}
}
