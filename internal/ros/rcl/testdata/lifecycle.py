"""Call a node's lifecycle services with rclpy's own service clients, where
`ros2 lifecycle` cannot load (it needs rosidl_runtime_py). argv: get|list|set
NODE [TRANSITION]; prints what the ros2 lifecycle verb prints; exit 1 when
the service does not answer in time (the caller retries discovery)."""
import sys

import rclpy
from lifecycle_msgs.srv import ChangeState, GetAvailableTransitions, GetState


def call(node, srv, name, req):
    cli = node.create_client(srv, name)
    if not cli.wait_for_service(timeout_sec=10.0):
        sys.exit(f"{name}: no service")
    fut = cli.call_async(req)
    rclpy.spin_until_future_complete(node, fut, timeout_sec=10.0)
    if fut.result() is None:
        sys.exit(f"{name}: no response")
    return fut.result()


def main():
    verb, target = sys.argv[1], sys.argv[2]
    rclpy.init()
    node = rclpy.create_node("lifecycle_client")
    try:
        if verb == "get":
            s = call(node, GetState, target + "/get_state", GetState.Request()).current_state
            print(f"{s.label} [{s.id}]")
        elif verb == "list":
            r = call(node, GetAvailableTransitions, target + "/get_available_transitions", GetAvailableTransitions.Request())
            for t in r.available_transitions:
                print(f"- {t.transition.label} [{t.transition.id}]\n\tStart: {t.start_state.label}\n\tGoal: {t.goal_state.label}")
        elif verb == "set":
            r = call(node, GetAvailableTransitions, target + "/get_available_transitions", GetAvailableTransitions.Request())
            match = [t.transition for t in r.available_transitions if t.transition.label == sys.argv[3]]
            if not match:
                sys.exit("Unknown transition requested")
            req = ChangeState.Request()
            req.transition = match[0]
            ok = call(node, ChangeState, target + "/change_state", req).success
            print("Transitioning successful" if ok else "Transitioning failed")
    finally:
        node.destroy_node()
        rclpy.shutdown()


if __name__ == "__main__":
    main()
