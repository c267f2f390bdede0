//go:build ros2

package rcl

/*
#cgo LDFLAGS: -lrcl -lrcutils

#include <stdlib.h>

#include <rcl/logging.h>
#include <rcl/logging_rosout.h>
#include <rcl/node.h>
#include <rcutils/logging.h>

// gp_log logs msg through rcutils with the caller's location, so every
// output handler (console, log file, /rosout) sees the Go file and line.
static void gp_log(int severity, const char* name, const char* fn, const char* file, size_t line, const char* msg) {
	rcutils_log_location_t loc = {fn, file, line};
	rcutils_log(&loc, severity, name, "%s", msg);
}

static int gp_log_enabled(const char* name, int severity) {
	return rcutils_logging_logger_is_enabled_for(name, severity);
}
*/
import "C"

import (
	"fmt"
	"reflect"
	"runtime"
	"unsafe"

	"github.com/tiiuae/rclgo/pkg/rclgo"
)

// rclNode returns the rcl_node_t of an rclgo node. rclgo keeps it
// unexported and has no rosout support; the field is read by name so a
// change in the pinned rclgo fails loudly here rather than corrupting memory.
func rclNode(n *rclgo.Node) (*C.rcl_node_t, error) {
	f := reflect.ValueOf(n).Elem().FieldByName("rcl_node_t")
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		return nil, fmt.Errorf("ros2: rclgo.Node has no rcl_node_t pointer field (rclgo changed)")
	}
	return (*C.rcl_node_t)(unsafe.Pointer(f.Pointer())), nil
}

// initRosout creates n's /rosout publisher, as rclcpp does for every node:
// rcl's logging then sends each log line of the node's logger to /rosout as
// rcl_interfaces/msg/Log besides the console and the log file. Nothing is
// done when logging runs with --disable-rosout-logs.
func (n *Node) initRosout() error {
	if !bool(C.rcl_logging_rosout_enabled()) {
		return nil
	}
	p, err := rclNode(n.rcl)
	if err != nil {
		return err
	}
	if rc := C.rcl_logging_rosout_init_publisher_for_node(p); rc != C.RCL_RET_OK {
		C.rcutils_reset_error()
		return fmt.Errorf("ros2: node %s: creating the /rosout publisher failed (rcl %d)", n.FullyQualifiedName(), int(rc))
	}
	n.rosout = true
	return nil
}

// finiRosout removes n's /rosout publisher from rcl's logging before the
// node goes: a log line naming a destroyed node's publisher would crash.
func (n *Node) finiRosout() {
	if !n.rosout {
		return
	}
	n.rosout = false
	if p, err := rclNode(n.rcl); err == nil {
		if C.rcl_logging_rosout_fini_publisher_for_node(p) != C.RCL_RET_OK {
			C.rcutils_reset_error()
		}
	}
}

// Severities as rcutils numbers them (also rcl_interfaces/msg/Log's levels).
const (
	sevDebug = 10
	sevInfo  = 20
	sevWarn  = 30
	sevError = 40
)

// logAt logs msg with the location of the program counter pc (0: none).
func (l *Logger) logAt(severity int, pc uintptr, msg string) {
	name := C.CString(l.l.Name())
	defer C.free(unsafe.Pointer(name))
	if C.gp_log_enabled(name, C.int(severity)) == 0 {
		return
	}
	var fn, file string
	var line int
	if pc != 0 {
		fr, _ := runtime.CallersFrames([]uintptr{pc}).Next()
		fn, file, line = fr.Function, fr.File, fr.Line
	}
	cfn, cfile, cmsg := C.CString(fn), C.CString(file), C.CString(msg)
	defer C.free(unsafe.Pointer(cfn))
	defer C.free(unsafe.Pointer(cfile))
	defer C.free(unsafe.Pointer(cmsg))
	C.gp_log(C.int(severity), name, cfn, cfile, C.size_t(line), cmsg)
}

func (l *Logger) logf(severity int, format string, a []any) {
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // logf, the Logger method, its caller
	l.logAt(severity, pcs[0], fmt.Sprintf(format, a...))
}
