package cdr

import (
	"errors"
	"fmt"
)

// ErrTruncated reports a payload that ends before the message does.
var ErrTruncated = errors.New("cdr: truncated payload")

// ErrHeader reports a missing or unsupported encapsulation header.
var ErrHeader = errors.New("cdr: bad encapsulation header")

// ErrLength reports a sequence or string length that cannot fit in what
// remains of the payload.
var ErrLength = errors.New("cdr: length exceeds payload")

// DecodeError locates a decoding failure: the byte offset into the payload
// (after the encapsulation header) and what was being read.
type DecodeError struct {
	Type   string // ROS type name, e.g. "sensor_msgs/msg/PointCloud2"; may be empty
	Offset int    // byte offset from the start of the CDR body
	What   string // what was being read, e.g. "sequence length"
	Err    error  // ErrTruncated, ErrLength, ErrHeader, ...
}

func (e *DecodeError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("cdr: decode %s: %s at offset %d: %v", e.Type, e.What, e.Offset, e.Err)
	}
	return fmt.Sprintf("cdr: %s at offset %d: %v", e.What, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }
