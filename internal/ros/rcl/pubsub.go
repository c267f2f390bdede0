//go:build ros2

package rcl

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/tiiuae/rclgo/pkg/rclgo"
)

// Publisher publishes serialized (CDR) messages of one type on one topic.
type Publisher struct {
	rcl      *rclgo.Publisher
	node     *Node
	topic    string
	typeName string
	qos      QoS
	pubC

	mu    sync.Mutex
	buf   []byte
	outMu sync.Mutex // guards pubC.open
}

// NewPublisher creates a publisher of typeName ("sensor_msgs/msg/PointCloud2")
// on topic. The type support is loaded from the installed interface package,
// so the type must be installed but needs no Go bindings.
func (n *Node) NewPublisher(topic, typeName string, qos QoS) (*Publisher, error) {
	ts, err := loadTypeSupport(typeName)
	if err != nil {
		return nil, err
	}
	opts := rclgo.NewDefaultPublisherOptions()
	opts.Qos = qos.rcl()
	p, err := n.rcl.NewPublisher(topic, ts, opts)
	if err != nil {
		return nil, &EndpointError{Op: "publisher", Topic: topic, Type: typeName, Err: err}
	}
	pub := &Publisher{rcl: p, node: n, topic: topic, typeName: typeName, qos: qos}
	if err := pub.initEvents(); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	return pub, nil
}

// Topic returns the topic name as given to NewPublisher.
func (p *Publisher) Topic() string { return p.topic }

// TypeName returns the ROS type name.
func (p *Publisher) TypeName() string { return p.typeName }

// Publish publishes one serialized message: the CDR encapsulation header and
// body, as cdr.Marshal returns. The bytes are copied; data may be reused
// after Publish returns.
func (p *Publisher) Publish(data []byte) error {
	if err := p.publish(data); err != nil {
		return &EndpointError{Op: "publish", Topic: p.topic, Type: p.typeName, Err: err}
	}
	return nil
}

// PublishMessage encodes m with package cdr into a buffer the publisher
// reuses and publishes it. m's type must be the publisher's.
func (p *Publisher) PublishMessage(m cdr.Message) error {
	if m.TypeName() != p.typeName {
		return fmt.Errorf("%w: %s on %s [%s]", ErrTypeMismatch, m.TypeName(), p.topic, p.typeName)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = cdr.MarshalAppend(p.buf, m)
	return p.Publish(p.buf)
}

// SubscriptionCount returns the number of subscriptions matched to p, for
// nodes that only do work while someone listens.
func (p *Publisher) SubscriptionCount() (int, error) {
	n, err := p.subscriptionCount()
	if err != nil {
		return 0, &EndpointError{Op: "count", Topic: p.topic, Type: p.typeName, Err: err}
	}
	return n, nil
}

// IncompatibleSubscriptions returns the subscriptions on p's topic, as
// discovery reports them, whose requested QoS p does not offer.
func (p *Publisher) IncompatibleSubscriptions() ([]Incompatibility, error) {
	subs, err := p.node.rcl.GetSubscriptionsInfoByTopic(p.resolved(), true)
	if err != nil {
		return nil, &EndpointError{Op: "graph", Topic: p.topic, Type: p.typeName, Err: err}
	}
	mine := p.qos.rcl()
	var out []Incompatibility
	for _, s := range subs {
		if pol, off, req, bad := incompatible(mine, s.QosProfile); bad {
			out = append(out, Incompatibility{Topic: p.topic, Local: "publisher", Policy: pol, Offered: off, Requested: req, Node: fqn(s)})
		}
	}
	return out, nil
}

func (p *Publisher) resolved() string { return resolve(p.node, p.topic) }

// Close destroys p.
func (p *Publisher) Close() error {
	if p.rcl == nil {
		return nil
	}
	// Closed first, under the lock: a Publish in flight ends before the
	// publisher is destroyed, and later ones fail with ErrClosed.
	p.markClosed()
	p.events.close()
	err := p.rcl.Close()
	p.rcl = nil
	return err
}

// MessageInfo describes a received message.
type MessageInfo struct {
	// SourceTimestamp is when the publisher's rmw sent it.
	SourceTimestamp time.Time
	// ReceivedTimestamp is when this process's rmw received it.
	ReceivedTimestamp time.Time
	// Sequence is the publisher's sequence number of the message (0: the
	// rmw gives none) and PublisherGID the publisher's global id.
	Sequence     uint64
	PublisherGID [16]byte
	// Lost counts the messages of the same publisher missing between the
	// previous message taken and this one: lost on the network, or
	// overwritten in the subscription's history before they were taken.
	Lost int64
}

// Handler receives one serialized message (encapsulation header included,
// ready for cdr.Unmarshal). data belongs to the handler: it is not reused.
type Handler func(data []byte, info MessageInfo)

// Subscription delivers serialized messages of one type on one topic.
type Subscription struct {
	rcl      *rclgo.Subscription
	node     *Node
	topic    string
	typeName string
	qos      QoS
	subC
}

// NewSubscription subscribes to topic with typeName and calls h for every
// message while the node or its context spins; h may keep the data.
func (n *Node) NewSubscription(topic, typeName string, qos QoS, h Handler) (*Subscription, error) {
	return n.newSubscription(topic, typeName, qos, h, false)
}

// NewBorrowingSubscription is NewSubscription whose h sees rcl's own buffer,
// valid only during the call: one copy less per message for a handler that
// copies what it keeps anyway (the node driver's input slots).
func (n *Node) NewBorrowingSubscription(topic, typeName string, qos QoS, h Handler) (*Subscription, error) {
	return n.newSubscription(topic, typeName, qos, h, true)
}

func (n *Node) newSubscription(topic, typeName string, qos QoS, h Handler, borrow bool) (*Subscription, error) {
	ts, err := loadTypeSupport(typeName)
	if err != nil {
		return nil, err
	}
	opts := rclgo.NewDefaultSubscriptionOptions()
	opts.Qos = qos.rcl()
	s := &Subscription{node: n, topic: topic, typeName: typeName, qos: qos}
	// The take is rcl's own (rclgo's drops the sequence number), with one
	// serialized buffer reused for every message.
	cb := func(*rclgo.Subscription) {
		data, info, err := s.tk.take(s.csub)
		if err != nil {
			n.Logger().Errorf("take on %s [%s]: %v", s.resolvedName, typeName, err)
			return
		}
		if data != nil {
			h(data, info)
		}
	}
	tk, err := newTaker()
	if err != nil {
		return nil, &EndpointError{Op: "subscription", Topic: topic, Type: typeName, Err: err}
	}
	tk.borrow = borrow
	rs, err := n.rcl.NewSubscription(topic, ts, opts, cb)
	if err != nil {
		tk.free()
		return nil, &EndpointError{Op: "subscription", Topic: topic, Type: typeName, Err: err}
	}
	s.rcl, s.tk = rs, tk
	if err := s.initEvents(); err != nil {
		tk.free()
		return nil, errors.Join(err, rs.Close())
	}
	return s, nil
}

// Topic returns the topic name as given to NewSubscription.
func (s *Subscription) Topic() string { return s.topic }

// PublisherCount returns the number of publishers matched to s.
func (s *Subscription) PublisherCount() (int, error) {
	n, err := s.rcl.GetPublisherCount()
	if err != nil {
		return 0, &EndpointError{Op: "count", Topic: s.topic, Type: s.typeName, Err: err}
	}
	return n, nil
}

// IncompatiblePublishers returns the publishers on s's topic, as discovery
// reports them, that do not offer the QoS s requests.
func (s *Subscription) IncompatiblePublishers() ([]Incompatibility, error) {
	pubs, err := s.node.rcl.GetPublishersInfoByTopic(resolve(s.node, s.topic), true)
	if err != nil {
		return nil, &EndpointError{Op: "graph", Topic: s.topic, Type: s.typeName, Err: err}
	}
	mine := s.qos.rcl()
	var out []Incompatibility
	for _, p := range pubs {
		if pol, off, req, bad := incompatible(p.QosProfile, mine); bad {
			out = append(out, Incompatibility{Topic: s.topic, Local: "subscription", Policy: pol, Offered: off, Requested: req, Node: fqn(p)})
		}
	}
	return out, nil
}

// Close destroys s. Stop Spin first.
func (s *Subscription) Close() error {
	if s.rcl == nil {
		return nil
	}
	s.events.close()
	err := s.rcl.Close()
	s.rcl = nil
	s.tk.free()
	return err
}

// WatchQoS polls the QoS of the other endpoints on the topics of pubs and
// subs every interval and calls fn once for each new incompatibility, until
// ctx is done. It stands in for rcl's incompatible-QoS events, which rclgo
// does not expose. Graph errors are logged and polling goes on.
func (n *Node) WatchQoS(ctx context.Context, every time.Duration, pubs []*Publisher, subs []*Subscription, fn func(Incompatibility)) {
	seen := map[Incompatibility]bool{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var found []Incompatibility
		for _, p := range pubs {
			in, err := p.IncompatibleSubscriptions()
			if err != nil {
				n.Logger().Warnf("%v", err)
			}
			found = append(found, in...)
		}
		for _, s := range subs {
			in, err := s.IncompatiblePublishers()
			if err != nil {
				n.Logger().Warnf("%v", err)
			}
			found = append(found, in...)
		}
		for _, in := range found {
			if !seen[in] {
				seen[in] = true
				fn(in)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func fqn(e rclgo.TopicEndpointInfo) string {
	if e.NodeNamespace == "/" || e.NodeNamespace == "" {
		return "/" + e.NodeName
	}
	return e.NodeNamespace + "/" + e.NodeName
}

// resolve expands a relative topic name against n's namespace, as rcl does
// when it creates the endpoint (remapping aside).
func resolve(n *Node, topic string) string {
	if len(topic) > 0 && topic[0] == '/' {
		return topic
	}
	ns := n.rcl.Namespace()
	if ns == "/" || ns == "" {
		return "/" + topic
	}
	return ns + "/" + topic
}
