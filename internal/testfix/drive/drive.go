// Package drive writes the simulated drives tests replay through the
// nodes, one way everywhere. It is apart from package testfix because the
// simulator imports the algorithm packages whose own tests use testfix.
package drive

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/tf"
)

// Write simulates cfg into a new uncompressed MCAP at path: the drive
// tests replay through the nodes, written one way everywhere.
func Write(path string, cfg simdrive.Config) error {
	w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: bag.CompressionNone})
	if err != nil {
		return err
	}
	if _, err := simdrive.Run(context.Background(), cfg, w); err != nil {
		w.Close()
		return fmt.Errorf("drive: simulate seed %d: %w", cfg.Seed, err)
	}
	return w.Close()
}

// Temp simulates cfg into tb's temporary directory and returns the bag's
// path, failing tb when it cannot.
func Temp(tb testing.TB, cfg simdrive.Config) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "drive.mcap")
	if err := Write(path, cfg); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Message is one message of a drive held in memory.
type Message struct {
	Topic string
	Data  []byte // CDR payload
}

// Recorder is a simdrive writer that keeps the drive's messages in memory,
// in log order, for tests that feed a node directly.
type Recorder struct {
	topics []string
	Msgs   []Message
}

// AddTopic records a topic.
func (r *Recorder) AddTopic(t bag.Topic) (uint16, error) {
	r.topics = append(r.topics, t.Name)
	return uint16(len(r.topics) - 1), nil
}

// Write keeps a copy of one message.
func (r *Recorder) Write(id uint16, _, _ int64, data []byte) error {
	r.Msgs = append(r.Msgs, Message{r.topics[id], append([]byte(nil), data...)})
	return nil
}

// Record simulates cfg into a Recorder, failing tb when it cannot.
func Record(tb testing.TB, cfg simdrive.Config) *Recorder {
	tb.Helper()
	var r Recorder
	if _, err := simdrive.Run(context.Background(), cfg, &r); err != nil {
		tb.Fatalf("drive: simulate seed %d: %v", cfg.Seed, err)
	}
	return &r
}

// Feed hands the recorded drive to n in log order, as a driver does in the
// root namespace: /tf and /tf_static into buf, every topic n subscribes to
// (its relative name) to Handle. An error from Handle fails tb unless
// tolerate says it is expected.
func (r *Recorder) Feed(tb testing.TB, n node.Node, buf *tf.Buffer, pub node.Publisher, tolerate func(error) bool) {
	tb.Helper()
	subscribed := map[string]bool{}
	for _, tp := range n.Inputs() {
		subscribed[tp.Name] = true
	}
	feeder := node.TFFeeder{Buffer: buf}
	for _, m := range r.Msgs {
		if isTF, static := node.IsTFTopic(m.Topic); isTF {
			if _, err := feeder.Feed(m.Data, static); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		name := strings.TrimPrefix(m.Topic, "/")
		if !subscribed[name] {
			continue
		}
		if err := n.Handle(&node.Msg{Topic: name, Data: m.Data}, pub); err != nil && (tolerate == nil || !tolerate(err)) {
			tb.Fatalf("%s: %v", m.Topic, err)
		}
	}
}
