// Package replay runs gopercept's nodes over recorded bags: every message of
// the input bags, merged in log-time order, goes through the same node code
// the live nodes run (TF included, fed from /tf and /tf_static), on the
// bag's clock, and the nodes' outputs are written to an MCAP file that
// Foxglove and `ros2 bag play` open. Every input frame is accounted for in
// the summary: processed, or dropped with a reason. On CPU the same input
// gives byte-identical output.
package replay
