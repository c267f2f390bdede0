"""Print the QoS of NODE's publisher or subscription on TOPIC as the ROS
graph reports it (rclpy's get_publishers_info_by_topic /
get_subscriptions_info_by_topic, what `ros2 topic info -v` prints; ros2topic
itself needs rosidl_runtime_py, which this environment may lack):

    qos_info.py /veh1/lidarseg/labelled /veh1/lidarseg publisher
    reliability=reliable durability=transient_local

Discovery carries reliability and durability, not history or depth. Exits 1
when the endpoint is not found within 20 s."""
import sys
import time

import rclpy


def main():
    topic, node_fqn, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    rclpy.init()
    node = rclpy.create_node('qos_info')
    get = node.get_publishers_info_by_topic if kind == 'publisher' else node.get_subscriptions_info_by_topic
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            for info in get(topic):
                ns = info.node_namespace.rstrip('/')
                if ns + '/' + info.node_name == node_fqn:
                    q = info.qos_profile
                    print('reliability=%s durability=%s' % (q.reliability.name.lower(), q.durability.name.lower()), flush=True)
                    return 0
            rclpy.spin_once(node, timeout_sec=0.2)
        print('no %s of %s on %s in the graph' % (kind, node_fqn, topic), flush=True)
        return 1
    finally:
        node.destroy_node()
        rclpy.shutdown()


if __name__ == '__main__':
    sys.exit(main())
