// Package cdr encodes and decodes ROS 2 messages in the OMG CDR format that
// rmw_fastrtps puts on the wire and rosbag2 stores in bags: XCDR1 (plain
// CDR) with the 4-byte encapsulation header, primitives aligned to their
// own size (8 at most) counted from the first byte after that header.
//
// Generated message types (see package rosmsg and its subpackages) implement
// Message; Marshal and Unmarshal are the entry points callers use. Decoding
// never trusts a length read from the payload: every sequence and string is
// checked against the bytes that remain before anything is allocated, and
// byte sequences (Image.data, PointCloud2.data) alias the input buffer
// instead of being copied.
package cdr
