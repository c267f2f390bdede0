// Command bagdiff compares two bags message by message: for every topic the
// count in each and how many messages differ in their serialized bytes. It
// exits 1 when any topic differs, so a refactor can show that replay
// outputs stay byte-identical (scripts/compare-replay.sh).
//
//	go run ./tools/bagdiff A.mcap B.mcap
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/gopercept/gopercept/internal/ros/bag"
)

func read(path string) (map[string][][]byte, error) {
	r, err := bag.Open(path, bag.ReaderConfig{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := map[string][][]byte{}
	for {
		m, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[m.Topic] = append(out[m.Topic], bytes.Clone(m.Data))
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bagdiff A B")
		os.Exit(2)
	}
	a, err := read(os.Args[1])
	if err == nil {
		var b map[string][][]byte
		if b, err = read(os.Args[2]); err == nil {
			os.Exit(compare(a, b))
		}
	}
	fmt.Fprintln(os.Stderr, "bagdiff:", err)
	os.Exit(2)
}

func compare(a, b map[string][][]byte) int {
	topics := map[string]bool{}
	for t := range a {
		topics[t] = true
	}
	for t := range b {
		topics[t] = true
	}
	names := make([]string, 0, len(topics))
	for t := range topics {
		names = append(names, t)
	}
	sort.Strings(names)
	rc := 0
	for _, t := range names {
		am, bm := a[t], b[t]
		differ := max(len(am), len(bm)) - min(len(am), len(bm))
		for i := range min(len(am), len(bm)) {
			if !bytes.Equal(am[i], bm[i]) {
				differ++
			}
		}
		state := "identical"
		if differ > 0 {
			state, rc = fmt.Sprintf("%d differ", differ), 1
		}
		fmt.Printf("%-40s %6d %6d  %s\n", t, len(am), len(bm), state)
	}
	return rc
}
