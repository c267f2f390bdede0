//go:build ros2

package rcl

import (
	"context"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/node"
)

// resolveSeen carries what the resolvetest node's Env.Topic made of its
// names when the driver built it.
var resolveSeen = make(chan [3]string, 1)

func init() {
	node.Register("resolvetest", func(env node.Env) (node.Node, error) {
		select {
		case resolveSeen <- [3]string{env.Topic("in"), env.Topic("~/out"), env.Topic("cameras/front")}:
		default:
		}
		return qosNode{}, nil
	})
}

// TestEnvResolveLive: the live driver hands the node rcl's resolution, so
// the names a node writes into its errors and facts are the graph's: in the
// namespace, under the node's name, after -r remapping.
func TestEnvResolveLive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, RunConfig{Node: "resolvetest", Args: []string{"--ros-args", "-r", "__ns:=/veh1", "-r", "in:=/remapped/in", "-p", "lazy:=false"}})
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
	select {
	case got := <-resolveSeen:
		if want := [3]string{"/remapped/in", "/veh1/resolvetest/out", "/veh1/cameras/front"}; got != want {
			t.Errorf("resolved %q, want %q", got, want)
		}
	case err := <-runErr:
		t.Fatalf("the driver stopped before building the node: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the driver did not build the node")
	}
}
