package node

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/tf2_msgs"
	"github.com/gopercept/gopercept/internal/tf"
)

// TFFeeder decodes tf2_msgs/TFMessage payloads into a tf.Buffer, reusing
// its message between calls.
type TFFeeder struct {
	Buffer *tf.Buffer
	msg    tf2_msgs.TFMessage
	dec    cdr.Decoder
}

// Feed decodes data and stores every transform; static is true for
// /tf_static. It returns the number stored and the first error (a bad
// transform does not stop the others).
func (f *TFFeeder) Feed(data []byte, static bool) (int, error) {
	if err := f.dec.Decode(data, &f.msg); err != nil {
		return 0, fmt.Errorf("node: decode TFMessage: %w", err)
	}
	var first error
	n := 0
	for i := range f.msg.Transforms {
		ts := &f.msg.Transforms[i]
		t := rosconv.Transform(&ts.Transform)
		if err := f.Buffer.SetTransform(ts.Header.FrameID, ts.ChildFrameID, StampNS(ts.Header.Stamp), t, static); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		n++
	}
	return n, first
}

// IsTFTopic reports whether topic is /tf or /tf_static (possibly
// namespaced), and which.
func IsTFTopic(topic string) (isTF, static bool) {
	switch {
	case topic == "/tf" || hasSuffix(topic, "/tf"):
		return true, false
	case topic == "/tf_static" || hasSuffix(topic, "/tf_static"):
		return true, true
	}
	return false, false
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }
