"""Receive one message of TOPIC (type TYPE, e.g. nav_msgs/msg/OccupancyGrid)
with rclpy and print its header as `ros2 topic echo --once --field header`
does. The launch tier uses it only where the ROS environment lacks
rosidl_runtime_py, without which ros2topic cannot start."""
import importlib
import sys

import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy


def main():
    topic, typ = sys.argv[1], sys.argv[2]
    pkg, kind, name = typ.split('/')
    cls = getattr(importlib.import_module(pkg + '.' + kind), name)
    rclpy.init()
    node = rclpy.create_node('echo_once')
    got = []
    # Best effort matches both reliable and best-effort publishers.
    node.create_subscription(cls, topic, got.append, QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT))
    while rclpy.ok() and not got:
        rclpy.spin_once(node, timeout_sec=0.2)
    h = got[0].header
    print('stamp:\n  sec: %d\n  nanosec: %d\nframe_id: %s\n---' % (h.stamp.sec, h.stamp.nanosec, h.frame_id), flush=True)
    node.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
