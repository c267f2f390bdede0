package evaluate

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// eachMessage decodes every message on the topics of the bags into a fresh
// value from newMsg and hands it to fn, in each bag's log order. Byte
// sequences in the message alias the reader's buffer, reused for the next
// message: fn keeps cdr.Clone(m) if it keeps a message with any.
func eachMessage[M cdr.Message](bags []string, topics []string, newMsg func() M, fn func(topic string, m M) error) error {
	for _, path := range bags {
		rd, err := bag.Open(path, bag.ReaderConfig{Topics: topics})
		if err != nil {
			return err
		}
		for raw, err := range rd.All() {
			if err == nil {
				m := newMsg()
				if err = cdr.Unmarshal(raw.Data, m); err != nil {
					err = fmt.Errorf("evaluate: %s: %w", raw.Topic, err)
				} else {
					err = fn(raw.Topic, m)
				}
			}
			if err != nil {
				rd.Close()
				return err
			}
		}
		rd.Close()
	}
	return nil
}

// eachCloud hands fn every PointCloud2 on topic with its validated layout
// and the accessor of field, which it must have.
func eachCloud(bags []string, topic, field string, fn func(pc *sensor_msgs.PointCloud2, l *pointcloud.Layout, a pointcloud.Accessor) error) error {
	pc := new(sensor_msgs.PointCloud2)
	return eachMessage(bags, []string{topic}, func() *sensor_msgs.PointCloud2 { return pc }, func(_ string, pc *sensor_msgs.PointCloud2) error {
		l := rosconv.Layout(pc, nil)
		if err := l.Validate(len(pc.Data), 0); err != nil {
			return fmt.Errorf("evaluate: %s: %w", topic, err)
		}
		f, ok := l.Find(field)
		if !ok {
			return fmt.Errorf("evaluate: %s has no %s field", topic, field)
		}
		return fn(pc, &l, l.Accessor(f))
	})
}
