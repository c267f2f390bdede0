//go:build ros2

package rcl

/*
#cgo LDFLAGS: -lrcl -lrmw -lrcutils

#include <stdlib.h>
#include <string.h>

#include <rcl/event.h>
#include <rcl/graph.h>
#include <rcl/node.h>
#include <rcl/publisher.h>
#include <rcl/subscription.h>
#include <rmw/qos_string_conversions.h>
#include <rmw/serialized_message.h>

// gp_event_new allocates and initializes an rcl event of kind on a
// subscription (sub != NULL) or a publisher; NULL when the rmw does not
// support the event.
static rcl_event_t* gp_event_new(const rcl_subscription_t* sub, const rcl_publisher_t* pub, int kind) {
	rcl_event_t* ev = malloc(sizeof(rcl_event_t));
	*ev = rcl_get_zero_initialized_event();
	rcl_ret_t rc = sub ? rcl_subscription_event_init(ev, sub, (rcl_subscription_event_type_t)kind)
	                   : rcl_publisher_event_init(ev, pub, (rcl_publisher_event_type_t)kind);
	if (rc != RCL_RET_OK) {
		rcutils_reset_error();
		free(ev);
		return NULL;
	}
	return ev;
}

static void gp_event_free(rcl_event_t* ev) {
	if (ev == NULL) return;
	if (rcl_event_fini(ev) != RCL_RET_OK) rcutils_reset_error();
	free(ev);
}

// gp_take_lost reads the message-lost status: 0 on success.
static int gp_take_lost(rcl_event_t* ev, int64_t* total) {
	rmw_message_lost_status_t st;
	memset(&st, 0, sizeof st);
	if (rcl_take_event(ev, &st) != RCL_RET_OK) { rcutils_reset_error(); return 1; }
	*total = (int64_t)st.total_count;
	return 0;
}

// gp_take_incompatible reads an incompatible-QoS status (the requested and
// offered statuses share one layout): 0 on success.
static int gp_take_incompatible(rcl_event_t* ev, int32_t* total, int32_t* change, const char** policy) {
	rmw_qos_incompatible_event_status_t st;
	memset(&st, 0, sizeof st);
	if (rcl_take_event(ev, &st) != RCL_RET_OK) { rcutils_reset_error(); return 1; }
	*total = st.total_count;
	*change = st.total_count_change;
	*policy = rmw_qos_policy_kind_to_str(st.last_policy_kind);
	return 0;
}

// gp_unmatched_publishers counts the publishers on sub's topic in the graph
// that are not matched to sub (incompatible, or not matched yet).
static int gp_unmatched_publishers(const rcl_node_t* node, const rcl_subscription_t* sub, int* out) {
	size_t all = 0, matched = 0;
	if (rcl_count_publishers(node, rcl_subscription_get_topic_name(sub), &all) != RCL_RET_OK ||
	    rcl_subscription_get_publisher_count(sub, &matched) != RCL_RET_OK) {
		rcutils_reset_error();
		return 1;
	}
	*out = (int)all - (int)matched;
	return 0;
}

static int gp_unmatched_subscriptions(const rcl_node_t* node, const rcl_publisher_t* pub, int* out) {
	size_t all = 0, matched = 0;
	if (rcl_count_subscribers(node, rcl_publisher_get_topic_name(pub), &all) != RCL_RET_OK ||
	    rcl_publisher_get_subscription_count(pub, &matched) != RCL_RET_OK) {
		rcutils_reset_error();
		return 1;
	}
	*out = (int)all - (int)matched;
	return 0;
}

// gp_publish publishes n bytes of CDR at data. The serialized message
// only points at them for the call: Fast DDS copies them into its own
// payload before rcl_publish_serialized_message returns, so they are not
// copied here first (a 3 MB cloud's memcpy a hop; rclgo's
// PublishSerialized also allocated a buffer of that size per call).
// Returns the rcl return code.
static int gp_publish(const rcl_publisher_t* pub, const uint8_t* data, size_t n) {
	rcl_serialized_message_t m = rmw_get_zero_initialized_serialized_message();
	m.buffer = (uint8_t*)data;
	m.buffer_length = n;
	m.buffer_capacity = n;
	m.allocator = rcutils_get_default_allocator();
	rcl_ret_t rc = rcl_publish_serialized_message(pub, &m, NULL);
	if (rc != RCL_RET_OK) rcutils_reset_error();
	return (int)rc;
}

// gp_take is rcl_take_serialized_message with the message info rclgo
// drops: the publisher's sequence number and GID. msg is reused between
// takes. Returns the rcl return code.
static int gp_take(const rcl_subscription_t* sub, rcl_serialized_message_t* msg,
		int64_t* src_ts, int64_t* recv_ts, uint64_t* seq, uint8_t* gid) {
	rmw_message_info_t info = rmw_get_zero_initialized_message_info();
	rcl_ret_t rc = rcl_take_serialized_message(sub, msg, &info, NULL);
	if (rc != RCL_RET_OK) {
		if (rc != RCL_RET_SUBSCRIPTION_TAKE_FAILED) rcutils_reset_error();
		return (int)rc;
	}
	*src_ts = info.source_timestamp;
	*recv_ts = info.received_timestamp;
	*seq = info.publication_sequence_number;
	memcpy(gid, info.publisher_gid.data, RMW_GID_STORAGE_SIZE);
	return 0;
}

static rcl_serialized_message_t* gp_serialized_new(void) {
	rcl_serialized_message_t* m = malloc(sizeof(rcl_serialized_message_t));
	*m = rmw_get_zero_initialized_serialized_message();
	rcutils_allocator_t a = rcutils_get_default_allocator();
	if (rmw_serialized_message_init(m, 0, &a) != RMW_RET_OK) { rcutils_reset_error(); free(m); return NULL; }
	return m;
}

static void gp_serialized_free(rcl_serialized_message_t* m) {
	if (m == NULL) return;
	if (rmw_serialized_message_fini(m) != RMW_RET_OK) rcutils_reset_error();
	free(m);
}

// gp_resolve expands and remaps a topic name as rcl does when it creates an
// endpoint; the result is freed with free().
static char* gp_resolve(const rcl_node_t* node, const char* name) {
	char* out = NULL;
	rcl_allocator_t a = rcl_get_default_allocator();
	if (rcl_node_resolve_name(node, name, a, false, false, &out) != RCL_RET_OK) {
		rcutils_reset_error();
		return NULL;
	}
	char* copy = strdup(out);
	a.deallocate(out, a.state);
	return copy;
}

static const char* gp_sub_topic(const rcl_subscription_t* s) { return rcl_subscription_get_topic_name(s); }
static const char* gp_pub_topic(const rcl_publisher_t* p) { return rcl_publisher_get_topic_name(p); }

// gp_subscription_count returns the subscriptions matched to pub, −1 on
// error: returned, not written through a pointer, so that the Go caller's
// counter does not escape to the heap (rclgo's allocates on every call).
static long gp_subscription_count(const rcl_publisher_t* pub) {
	size_t n = 0;
	if (rcl_publisher_get_subscription_count(pub, &n) != RCL_RET_OK) {
		rcutils_reset_error();
		return -1;
	}
	return (long)n;
}

enum {
	gp_take_failed = RCL_RET_SUBSCRIPTION_TAKE_FAILED,
	gp_ev_lost = RCL_SUBSCRIPTION_MESSAGE_LOST,
	gp_ev_requested = RCL_SUBSCRIPTION_REQUESTED_INCOMPATIBLE_QOS,
	gp_ev_offered = RCL_PUBLISHER_OFFERED_INCOMPATIBLE_QOS,
};
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// subC and pubC are the C side of a Subscription and a Publisher: rcl's
// handle (owned by rclgo), the events and the resolved topic name.
type subC struct {
	csub         *C.rcl_subscription_t
	events       *endpointEvents
	resolvedName string
	tk           *taker
}

type pubC struct {
	cpub         *C.rcl_publisher_t
	events       *endpointEvents
	resolvedName string
	open         bool // until Close; guarded by Publisher.outMu
}

// rclField returns the C pointer rclgo keeps in the unexported field name of
// the struct v points to, read by name like rclNode so that a change in the
// pinned rclgo fails loudly.
func rclField(v any, name string) (unsafe.Pointer, error) {
	f := reflect.ValueOf(v).Elem().FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		return nil, fmt.Errorf("ros2: %T has no %s pointer field (rclgo changed)", v, name)
	}
	return unsafe.Pointer(f.Pointer()), nil
}

// EndpointStatus is what the middleware reports about one publisher or
// subscription: rcl's QoS events (RCL_SUBSCRIPTION_MESSAGE_LOST,
// RCL_SUBSCRIPTION_REQUESTED_INCOMPATIBLE_QOS,
// RCL_PUBLISHER_OFFERED_INCOMPATIBLE_QOS) and the graph.
type EndpointStatus struct {
	// Topic is the fully qualified topic name after remapping.
	Topic string
	// LostTotal is the middleware's count of messages lost on their way to
	// this subscription (-1: the rmw has no message-lost event). It misses
	// messages the subscription's own history overwrote before they were
	// taken; MessageInfo.Lost counts those too.
	LostTotal int64
	// IncompatibleTotal counts the endpoints ever found with an
	// incompatible QoS, IncompatibleNew those since the last call, and
	// Policy names the policy of the last one ("RELIABILITY", ...).
	IncompatibleTotal, IncompatibleNew int
	Policy                             string
	// Unmatched counts the other side's endpoints on the topic in the graph
	// that are not matched to this one: incompatible, or still being
	// discovered (-1: unknown).
	Unmatched int
}

// endpointEvents are the rcl events of one endpoint. The mutex keeps
// Status from reading an event while Close finalizes it.
type endpointEvents struct {
	mu       sync.Mutex
	lost     *C.rcl_event_t
	incompat *C.rcl_event_t
	closed   bool
}

func (e *endpointEvents) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	C.gp_event_free(e.lost)
	C.gp_event_free(e.incompat)
	e.lost, e.incompat = nil, nil
}

// take reads the events into st.
func (e *endpointEvents) take(st *EndpointStatus) {
	st.LostTotal = -1
	if e.lost != nil {
		var total C.int64_t
		if C.gp_take_lost(e.lost, &total) == 0 {
			st.LostTotal = int64(total)
		}
	}
	if e.incompat != nil {
		var total, change C.int32_t
		var policy *C.char
		if C.gp_take_incompatible(e.incompat, &total, &change, &policy) == 0 {
			st.IncompatibleTotal, st.IncompatibleNew = int(total), int(change)
			if policy != nil {
				st.Policy = strings.ToUpper(C.GoString(policy))
			}
		}
	}
}

func (s *Subscription) initEvents() error {
	p, err := rclField(s.rcl, "rcl_subscription_t")
	if err != nil {
		return err
	}
	s.csub = (*C.rcl_subscription_t)(p)
	s.events = &endpointEvents{
		lost:     C.gp_event_new(s.csub, nil, C.gp_ev_lost),
		incompat: C.gp_event_new(s.csub, nil, C.gp_ev_requested),
	}
	s.resolvedName = C.GoString(C.gp_sub_topic(s.csub))
	return nil
}

func (p *Publisher) initEvents() error {
	ptr, err := rclField(p.rcl, "rcl_publisher_t")
	if err != nil {
		return err
	}
	p.cpub = (*C.rcl_publisher_t)(ptr)
	p.open = true
	p.events = &endpointEvents{incompat: C.gp_event_new(nil, p.cpub, C.gp_ev_offered)}
	p.resolvedName = C.GoString(C.gp_pub_topic(p.cpub))
	return nil
}

// Status reads the middleware's events of s since the last call and
// counts its unmatched publishers. Safe to call from any goroutine while s
// is open.
func (s *Subscription) Status() (EndpointStatus, error) {
	st := EndpointStatus{Topic: s.resolvedName, Unmatched: -1}
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	if s.events.closed {
		return st, &EndpointError{Op: "status", Topic: s.topic, Type: s.typeName, Err: ErrClosed}
	}
	s.events.take(&st)
	cn, err := rclNode(s.node.rcl)
	if err != nil {
		return st, err
	}
	var n C.int
	if C.gp_unmatched_publishers(cn, s.csub, &n) == 0 {
		st.Unmatched = int(n)
	}
	return st, nil
}

// Status reads the middleware's events of p since the last call and counts
// its unmatched subscriptions.
func (p *Publisher) Status() (EndpointStatus, error) {
	st := EndpointStatus{Topic: p.resolvedName, Unmatched: -1, LostTotal: -1}
	p.events.mu.Lock()
	defer p.events.mu.Unlock()
	if p.events.closed {
		return st, &EndpointError{Op: "status", Topic: p.topic, Type: p.typeName, Err: ErrClosed}
	}
	p.events.take(&st)
	st.LostTotal = -1
	cn, err := rclNode(p.node.rcl)
	if err != nil {
		return st, err
	}
	var n C.int
	if C.gp_unmatched_subscriptions(cn, p.cpub, &n) == 0 {
		st.Unmatched = int(n)
	}
	return st, nil
}

// ResolveTopic returns the fully qualified name a topic named name would
// have on n: expanded in n's namespace and remapped (-r from:=to), as the
// graph shows it.
func (n *Node) ResolveTopic(name string) (string, error) {
	cn, err := rclNode(n.rcl)
	if err != nil {
		return "", err
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	out := C.gp_resolve(cn, cs)
	if out == nil {
		return "", fmt.Errorf("ros2: node %s: topic name %q does not resolve", n.FullyQualifiedName(), name)
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoString(out), nil
}

// topicResolver is ResolveTopic for node.Env.Resolve: cached (a name
// resolves the same for the node's life), and a name rcl cannot resolve
// stays as declared (creating its endpoint reports that).
func (n *Node) topicResolver() func(string) string {
	var cache sync.Map
	return func(name string) string {
		if r, ok := cache.Load(name); ok {
			return r.(string)
		}
		r, err := n.ResolveTopic(name)
		if err != nil {
			return name
		}
		cache.Store(name, r)
		return r
	}
}

// ResolvedName returns the fully qualified topic name after remapping, as
// the graph shows it.
func (s *Subscription) ResolvedName() string { return s.resolvedName }

// ResolvedName returns the fully qualified topic name after remapping.
func (p *Publisher) ResolvedName() string { return p.resolvedName }

// taker takes serialized messages with their sequence numbers and counts
// the gaps between the sequence numbers of each publisher.
type taker struct {
	msg    *C.rcl_serialized_message_t
	last   map[[16]byte]uint64 // publisher GID → last sequence number taken
	borrow bool                // hand out msg's buffer instead of a copy
}

func newTaker() (*taker, error) {
	m := C.gp_serialized_new()
	if m == nil {
		return nil, fmt.Errorf("ros2: rmw_serialized_message_init failed")
	}
	return &taker{msg: m, last: map[[16]byte]uint64{}}, nil
}

func (t *taker) free() {
	C.gp_serialized_free(t.msg)
	t.msg = nil
}

// seqUnsupported is RMW_MESSAGE_INFO_SEQUENCE_NUMBER_UNSUPPORTED (UINT64_MAX).
const seqUnsupported = ^uint64(0)

// take returns the next message (nil, nil when there is none).
func (t *taker) take(sub *C.rcl_subscription_t) ([]byte, MessageInfo, error) {
	var src, recv C.int64_t
	var seq C.uint64_t
	var gid [16]byte
	rc := C.gp_take(sub, t.msg, &src, &recv, &seq, (*C.uint8_t)(unsafe.Pointer(&gid[0])))
	if rc == C.gp_take_failed {
		return nil, MessageInfo{}, nil
	}
	if rc != 0 {
		return nil, MessageInfo{}, fmt.Errorf("rcl_take_serialized_message: rcl error %d", int(rc))
	}
	var data []byte
	if t.borrow {
		// Valid until the next take: the caller copies what it keeps.
		data = unsafe.Slice((*byte)(unsafe.Pointer(t.msg.buffer)), int(t.msg.buffer_length))
	} else {
		data = C.GoBytes(unsafe.Pointer(t.msg.buffer), C.int(t.msg.buffer_length))
	}
	info := MessageInfo{SourceTimestamp: time.Unix(0, int64(src)), ReceivedTimestamp: time.Unix(0, int64(recv)), PublisherGID: gid}
	if uint64(seq) != seqUnsupported {
		info.Sequence = uint64(seq)
		if last, ok := t.last[gid]; ok && info.Sequence > last+1 {
			info.Lost = int64(info.Sequence - last - 1)
		}
		if last, ok := t.last[gid]; !ok || info.Sequence > last {
			t.last[gid] = info.Sequence
		}
		if len(t.last) > 1024 { // publishers come and go; forget all rather than grow
			clear(t.last)
			t.last[gid] = info.Sequence
		}
	}
	return data, info, nil
}

// IncompatibleQoS tracks one endpoint's incompatible-QoS state from its
// events: set by an event, cleared once the graph shows no unmatched peer on
// the topic (the peer left, or was replaced by a compatible one). Until an
// unmatched peer has been seen in the graph, which lags the event, the state
// is kept.
type IncompatibleQoS struct {
	Active bool
	Policy string
	Total  int
	seen   bool // an unmatched peer was seen in the graph since the event
}

// Update takes a Status and reports whether the state changed.
func (q *IncompatibleQoS) Update(st EndpointStatus) (changed bool) {
	if st.IncompatibleNew > 0 {
		changed = !q.Active || q.Policy != st.Policy
		q.Active, q.Policy, q.Total, q.seen = true, st.Policy, st.IncompatibleTotal, false
	}
	if !q.Active {
		return changed
	}
	switch {
	case st.Unmatched > 0:
		q.seen = true
	case st.Unmatched == 0 && q.seen:
		q.Active, q.seen = false, false
		return true
	}
	return changed
}

// publish sends data through the publisher's reused serialized message.
func (p *Publisher) publish(data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("ros2: empty message")
	}
	p.outMu.Lock()
	defer p.outMu.Unlock()
	if !p.open { // closed while this call waited for the lock
		return ErrClosed
	}
	if rc := C.gp_publish(p.cpub, (*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data))); rc != 0 {
		return fmt.Errorf("rcl_publish_serialized_message: rcl error %d", int(rc))
	}
	return nil
}

// subscriptionCount returns the subscriptions matched to p, without
// allocating (nodes ask it every frame through node.Wanted).
func (p *Publisher) subscriptionCount() (int, error) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	if !p.open {
		return 0, ErrClosed
	}
	n := C.gp_subscription_count(p.cpub)
	if n < 0 {
		return 0, errors.New("rcl_publisher_get_subscription_count failed")
	}
	return int(n), nil
}

// markClosed makes later publishes fail with ErrClosed.
func (p *Publisher) markClosed() {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	p.open = false
}
