package replay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/replay"
)

// fullDiskChild limits the files this process may write to 1 MiB (a full
// disk: writes past it fail with EFBIG) and runs one replay.
func fullDiskChild() {
	signal.Ignore(syscall.SIGXFSZ)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}); err != nil {
		panic(err)
	}
	sum, err := replay.Run(context.Background(), replay.Config{Inputs: []string{os.Getenv("REPLAY_CHILD_IN")}, Output: os.Getenv("REPLAY_CHILD_OUT"),
		Nodes: []string{"test_to_base"}, Fast: true, Compression: bag.CompressionNone})
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	b, _ := json.Marshal(struct {
		Err     string
		Summary *replay.Summary
	}{msg, sum})
	fmt.Println(string(b))
}
