"""Publish sensor_msgs/Image with rclpy until killed: the interop peer of
TestRclpyInterop. argv: topic, count of messages (0 = forever)."""
import sys
import time

import rclpy
from sensor_msgs.msg import Image


def main():
    topic = sys.argv[1]
    rclpy.init()
    node = rclpy.create_node("gopercept_py_talker")
    pub = node.create_publisher(Image, topic, 10)
    msg = Image()
    msg.header.frame_id = "rclpy_camera"
    msg.header.stamp.sec = 1700000000
    msg.header.stamp.nanosec = 123456789
    msg.height = 2
    msg.width = 3
    msg.encoding = "mono8"
    msg.is_bigendian = 0
    msg.step = 3
    msg.data = bytes([0, 1, 2, 250, 251, 252])
    print("talker ready", flush=True)
    while rclpy.ok():
        pub.publish(msg)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
