package bag_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gopercept/gopercept/internal/ros/bag"
)

// Example writes a bag directory and reads it back.
func Example() {
	dir, err := os.MkdirTemp("", "bag-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "run1")

	w, err := bag.NewBagWriter(out, bag.BagWriterConfig{})
	if err != nil {
		log.Fatal(err)
	}
	id, err := w.AddTopic(bag.Topic{Name: "/chatter", Type: "std_msgs/msg/String", SchemaText: "string data"})
	if err != nil {
		log.Fatal(err)
	}
	for i := int64(0); i < 3; i++ {
		// CDR: encapsulation header, string length 3 with terminator, "hi".
		cdr := []byte{0, 1, 0, 0, 3, 0, 0, 0, 'h', 'i', 0}
		if err := w.Write(id, 1_700_000_000_000_000_000+i*1_000_000, 0, cdr); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := bag.Open(out, bag.ReaderConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for _, t := range r.Topics() {
		fmt.Println(t.Name, t.Type, t.MessageCount)
	}
	for m, err := range r.All() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Topic, m.LogTime, len(m.Data))
	}
	fmt.Println("skipped:", len(r.Skipped()))
	// Output:
	// /chatter std_msgs/msg/String 3
	// /chatter 1700000000000000000 11
	// /chatter 1700000000001000000 11
	// /chatter 1700000000002000000 11
	// skipped: 0
}
