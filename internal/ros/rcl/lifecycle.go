//go:build ros2

package rcl

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
)

// Lifecycle states and transitions, numbered as lifecycle_msgs/msg/State
// and lifecycle_msgs/msg/Transition number them.
const (
	StateUnconfigured    = 1
	StateInactive        = 2
	StateActive          = 3
	StateFinalized       = 4
	StateConfiguring     = 10
	StateCleaningUp      = 11
	StateShuttingDown    = 12
	StateActivating      = 13
	StateDeactivating    = 14
	StateErrorProcessing = 15

	TransitionConfigure            = 1
	TransitionCleanup              = 2
	TransitionActivate             = 3
	TransitionDeactivate           = 4
	TransitionUnconfiguredShutdown = 5
	TransitionInactiveShutdown     = 6
	TransitionActiveShutdown       = 7
)

// stateLabels are rcl_lifecycle's labels of the default state machine.
var stateLabels = map[uint8]string{
	StateUnconfigured: "unconfigured", StateInactive: "inactive", StateActive: "active", StateFinalized: "finalized",
	StateConfiguring: "configuring", StateCleaningUp: "cleaningup", StateShuttingDown: "shuttingdown",
	StateActivating: "activating", StateDeactivating: "deactivating", StateErrorProcessing: "errorprocessing",
}

// stateOrder lists the states as get_available_states reports them.
var stateOrder = []uint8{StateUnconfigured, StateInactive, StateActive, StateFinalized,
	StateConfiguring, StateCleaningUp, StateShuttingDown, StateActivating, StateDeactivating, StateErrorProcessing}

type lcTransition struct {
	id          uint8
	label       string
	start, goal uint8
}

// lcTransitions is rcl_lifecycle's default state machine: a primary
// transition from a primary state into a transition state, where the
// callback's result (success, failure, error) picks the next primary state.
var lcTransitions = []lcTransition{
	{TransitionConfigure, "configure", StateUnconfigured, StateConfiguring},
	{10, "transition_success", StateConfiguring, StateInactive},
	{11, "transition_failure", StateConfiguring, StateUnconfigured},
	{12, "transition_error", StateConfiguring, StateErrorProcessing},
	{TransitionCleanup, "cleanup", StateInactive, StateCleaningUp},
	{20, "transition_success", StateCleaningUp, StateUnconfigured},
	{21, "transition_failure", StateCleaningUp, StateInactive},
	{22, "transition_error", StateCleaningUp, StateErrorProcessing},
	{TransitionActivate, "activate", StateInactive, StateActivating},
	{30, "transition_success", StateActivating, StateActive},
	{31, "transition_failure", StateActivating, StateInactive},
	{32, "transition_error", StateActivating, StateErrorProcessing},
	{TransitionDeactivate, "deactivate", StateActive, StateDeactivating},
	{40, "transition_success", StateDeactivating, StateInactive},
	{41, "transition_failure", StateDeactivating, StateActive},
	{42, "transition_error", StateDeactivating, StateErrorProcessing},
	{TransitionUnconfiguredShutdown, "shutdown", StateUnconfigured, StateShuttingDown},
	{TransitionInactiveShutdown, "shutdown", StateInactive, StateShuttingDown},
	{TransitionActiveShutdown, "shutdown", StateActive, StateShuttingDown},
	{50, "transition_success", StateShuttingDown, StateFinalized},
	{51, "transition_failure", StateShuttingDown, StateFinalized},
	{52, "transition_error", StateShuttingDown, StateErrorProcessing},
	{60, "transition_success", StateErrorProcessing, StateUnconfigured},
	{61, "transition_failure", StateErrorProcessing, StateFinalized},
	{62, "transition_error", StateErrorProcessing, StateFinalized},
}

// LifecycleCallbacks are a managed node's transition callbacks, named after
// the transition states they run in. A callback's error fails the
// transition: the node returns to the state it started from. A panic is
// a transition error: OnError runs (errorprocessing), and the node ends
// unconfigured if it succeeds, finalized if not. Nil callbacks succeed.
type LifecycleCallbacks struct {
	OnConfigure, OnActivate, OnDeactivate, OnCleanup, OnShutdown, OnError func() error
}

// Lifecycle serves a node's lifecycle as rclcpp_lifecycle does, so `ros2
// lifecycle get/set/list/nodes` and launch_ros's LifecycleNode drive it:
// ~/change_state, ~/get_state, ~/get_available_states,
// ~/get_available_transitions, ~/get_transition_graph and
// ~/transition_event. Callbacks run on the spinning goroutine, in the
// change_state request that triggered them.
type Lifecycle struct {
	n      *Node
	cb     LifecycleCallbacks
	mu     sync.Mutex
	state  uint8
	svcs   []*Service
	events *Publisher
}

// ServeLifecycle starts n's lifecycle in the unconfigured state. Call it
// before Spin starts.
func (n *Node) ServeLifecycle(cb LifecycleCallbacks) (*Lifecycle, error) {
	l := &Lifecycle{n: n, cb: cb, state: StateUnconfigured}
	var err error
	// rcl_lifecycle's transition_event publisher: rcl's default options.
	if l.events, err = n.NewPublisher("~/transition_event", "lifecycle_msgs/msg/TransitionEvent", Reliable(10)); err != nil {
		return nil, err
	}
	for _, sv := range []struct {
		name, typ string
		h         ServiceHandler
	}{
		{"~/change_state", "lifecycle_msgs/srv/ChangeState", l.changeState},
		{"~/get_state", "lifecycle_msgs/srv/GetState", l.getState},
		{"~/get_available_states", "lifecycle_msgs/srv/GetAvailableStates", l.availableStates},
		{"~/get_available_transitions", "lifecycle_msgs/srv/GetAvailableTransitions", l.availableTransitions},
		{"~/get_transition_graph", "lifecycle_msgs/srv/GetAvailableTransitions", l.transitionGraph},
	} {
		svc, err := n.NewService(sv.name, sv.typ, sv.h)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.svcs = append(l.svcs, svc)
	}
	return l, nil
}

// State returns the current state's id and label.
func (l *Lifecycle) State() (uint8, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state, stateLabels[l.state]
}

// Close destroys the services and the transition_event publisher.
func (l *Lifecycle) Close() error {
	var errs []error
	for _, s := range l.svcs {
		errs = append(errs, s.Close())
	}
	l.svcs = nil
	if l.events != nil {
		errs = append(errs, l.events.Close())
		l.events = nil
	}
	return errors.Join(errs...)
}

// Trigger runs the transition with id (or, when id is 0, the one labelled
// label) from the current state, as change_state does. It reports whether
// the node reached the transition's success state.
func (l *Lifecycle) Trigger(id uint8, label string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var tr *lcTransition
	for i := range lcTransitions {
		t := &lcTransitions[i]
		if t.start == l.state && ((id != 0 && t.id == id) || (id == 0 && t.label == label)) {
			tr = t
			break
		}
	}
	if tr == nil || tr.id >= 10 {
		return false, fmt.Errorf("transition %d %q is not available in state %s", id, label, stateLabels[l.state])
	}
	start := l.state
	l.step(*tr)
	var f func() error
	switch tr.goal {
	case StateConfiguring:
		f = l.cb.OnConfigure
	case StateCleaningUp:
		f = l.cb.OnCleanup
	case StateActivating:
		f = l.cb.OnActivate
	case StateDeactivating:
		f = l.cb.OnDeactivate
	case StateShuttingDown:
		f = l.cb.OnShutdown
	}
	res := l.run(f, tr.label)
	l.step(l.result(res))
	if l.state == StateErrorProcessing {
		l.step(l.result(l.run(l.cb.OnError, "error processing")))
	}
	ok := res == 0
	if ok {
		l.n.Logger().Infof("%s: lifecycle %s → %s", l.n.Name(), stateLabels[start], stateLabels[l.state])
	}
	return ok, nil
}

// run calls a callback: 0 success, 1 failure (an error), 2 error (a panic).
func (l *Lifecycle) run(f func() error, what string) (res int) {
	if f == nil {
		return 0
	}
	defer func() {
		if p := recover(); p != nil {
			l.n.Logger().Errorf("%s: lifecycle %s: %v", l.n.Name(), what, p)
			res = 2
		}
	}()
	if err := f(); err != nil {
		l.n.Logger().Errorf("%s: lifecycle %s failed: %v", l.n.Name(), what, err)
		return 1
	}
	return 0
}

// result is the transition out of the current transition state for res.
func (l *Lifecycle) result(res int) lcTransition {
	label := [...]string{"transition_success", "transition_failure", "transition_error"}[res]
	for _, t := range lcTransitions {
		if t.start == l.state && t.label == label {
			return t
		}
	}
	panic("ros2: lifecycle: no " + label + " from " + stateLabels[l.state])
}

// step moves along t and publishes the TransitionEvent.
func (l *Lifecycle) step(t lcTransition) {
	ev := &transitionEvent{Timestamp: uint64(time.Now().UnixNano()), Transition: lcTr{t.id, t.label},
		Start: lcState{t.start, stateLabels[t.start]}, Goal: lcState{t.goal, stateLabels[t.goal]}}
	l.state = t.goal
	if l.events != nil {
		if err := l.events.PublishMessage(ev); err != nil {
			l.n.Logger().Warnf("publish %s: %v", l.events.ResolvedName(), err)
		}
	}
}

func (l *Lifecycle) changeState(b []byte) ([]byte, error) {
	var req changeStateRequest
	if err := cdr.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	ok, err := l.Trigger(req.Transition.ID, req.Transition.Label)
	if err != nil {
		l.n.Logger().Warnf("%s: change_state: %v", l.n.Name(), err)
	}
	return cdr.Marshal(&changeStateResponse{Success: ok}), nil
}

func (l *Lifecycle) getState([]byte) ([]byte, error) {
	id, label := l.State()
	return cdr.Marshal(&getStateResponse{State: lcState{id, label}}), nil
}

func (l *Lifecycle) availableStates([]byte) ([]byte, error) {
	r := &getAvailableStatesResponse{}
	for _, id := range stateOrder {
		r.States = append(r.States, lcState{id, stateLabels[id]})
	}
	return cdr.Marshal(r), nil
}

func (l *Lifecycle) availableTransitions([]byte) ([]byte, error) {
	l.mu.Lock()
	state := l.state
	l.mu.Unlock()
	return cdr.Marshal(transitions("GetAvailableTransitions", func(t lcTransition) bool { return t.start == state })), nil
}

func (l *Lifecycle) transitionGraph([]byte) ([]byte, error) {
	return cdr.Marshal(transitions("GetAvailableTransitions", func(lcTransition) bool { return true })), nil
}

func transitions(srv string, keep func(lcTransition) bool) *getAvailableTransitionsResponse {
	r := &getAvailableTransitionsResponse{}
	for _, t := range lcTransitions {
		if keep(t) {
			r.Transitions = append(r.Transitions, transitionDescription{lcTr{t.id, t.label}, lcState{t.start, stateLabels[t.start]}, lcState{t.goal, stateLabels[t.goal]}})
		}
	}
	return r
}

// lifecycle_msgs types, encoded by hand like the parameter services'.

type lcState struct {
	ID    uint8
	Label string
}

func (s *lcState) encode(e *cdr.Encoder) { e.Uint8(s.ID); e.String(s.Label) }
func (s *lcState) decode(d *cdr.Decoder) { s.ID = d.Uint8(); s.Label = d.String(s.Label) }

type lcTr struct {
	ID    uint8
	Label string
}

func (t *lcTr) encode(e *cdr.Encoder) { e.Uint8(t.ID); e.String(t.Label) }
func (t *lcTr) decode(d *cdr.Decoder) { t.ID = d.Uint8(); t.Label = d.String(t.Label) }

type transitionDescription struct {
	Transition  lcTr
	Start, Goal lcState
}

type transitionEvent struct {
	Timestamp   uint64
	Transition  lcTr
	Start, Goal lcState
}

func (*transitionEvent) TypeName() string { return "lifecycle_msgs/msg/TransitionEvent" }
func (*transitionEvent) Schema() string   { return "" }
func (m *transitionEvent) EncodeCDR(e *cdr.Encoder) {
	e.Uint64(m.Timestamp)
	m.Transition.encode(e)
	m.Start.encode(e)
	m.Goal.encode(e)
}
func (m *transitionEvent) DecodeCDR(d *cdr.Decoder) {
	m.Timestamp = d.Uint64()
	m.Transition.decode(d)
	m.Start.decode(d)
	m.Goal.decode(d)
}

type changeStateRequest struct{ Transition lcTr }

func (*changeStateRequest) TypeName() string           { return "lifecycle_msgs/srv/ChangeState_Request" }
func (*changeStateRequest) Schema() string             { return "" }
func (m *changeStateRequest) EncodeCDR(e *cdr.Encoder) { m.Transition.encode(e) }
func (m *changeStateRequest) DecodeCDR(d *cdr.Decoder) { m.Transition.decode(d) }

type changeStateResponse struct{ Success bool }

func (*changeStateResponse) TypeName() string           { return "lifecycle_msgs/srv/ChangeState_Response" }
func (*changeStateResponse) Schema() string             { return "" }
func (m *changeStateResponse) EncodeCDR(e *cdr.Encoder) { e.Bool(m.Success) }
func (m *changeStateResponse) DecodeCDR(d *cdr.Decoder) { m.Success = d.Bool() }

type getStateResponse struct{ State lcState }

func (*getStateResponse) TypeName() string           { return "lifecycle_msgs/srv/GetState_Response" }
func (*getStateResponse) Schema() string             { return "" }
func (m *getStateResponse) EncodeCDR(e *cdr.Encoder) { m.State.encode(e) }
func (m *getStateResponse) DecodeCDR(d *cdr.Decoder) { m.State.decode(d) }

type getAvailableStatesResponse struct{ States []lcState }

func (*getAvailableStatesResponse) TypeName() string {
	return "lifecycle_msgs/srv/GetAvailableStates_Response"
}
func (*getAvailableStatesResponse) Schema() string { return "" }
func (m *getAvailableStatesResponse) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.States))
	for i := range m.States {
		m.States[i].encode(e)
	}
}
func (m *getAvailableStatesResponse) DecodeCDR(d *cdr.Decoder) {
	m.States = make([]lcState, d.SeqLen(5))
	for i := range m.States {
		m.States[i].decode(d)
	}
}

type getAvailableTransitionsResponse struct{ Transitions []transitionDescription }

func (*getAvailableTransitionsResponse) TypeName() string {
	return "lifecycle_msgs/srv/GetAvailableTransitions_Response"
}
func (*getAvailableTransitionsResponse) Schema() string { return "" }
func (m *getAvailableTransitionsResponse) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.Transitions))
	for i := range m.Transitions {
		t := &m.Transitions[i]
		t.Transition.encode(e)
		t.Start.encode(e)
		t.Goal.encode(e)
	}
}
func (m *getAvailableTransitionsResponse) DecodeCDR(d *cdr.Decoder) {
	m.Transitions = make([]transitionDescription, d.SeqLen(15))
	for i := range m.Transitions {
		t := &m.Transitions[i]
		t.Transition.decode(d)
		t.Start.decode(d)
		t.Goal.decode(d)
	}
}
