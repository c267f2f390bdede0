"""Drive a node's parameter services with rclpy's own service clients: the
real-client peer of TestParamServicesRclpy. argv: node name (fully
qualified), then a JSON list of operations; prints one JSON line with the
result of each and the /parameter_events the node published meanwhile."""
import json
import sys
import time

import rclpy
from rclpy.parameter import Parameter, parameter_value_to_python
from rcl_interfaces.msg import ParameterEvent
from rcl_interfaces.srv import (DescribeParameters, GetParameters, GetParameterTypes, ListParameters,
                                SetParameters, SetParametersAtomically)

SERVICES = {
    "list": (ListParameters, "list_parameters"),
    "get": (GetParameters, "get_parameters"),
    "types": (GetParameterTypes, "get_parameter_types"),
    "describe": (DescribeParameters, "describe_parameters"),
    "set": (SetParameters, "set_parameters"),
    "set_atomically": (SetParametersAtomically, "set_parameters_atomically"),
}


def params(items):
    return [Parameter(p["name"], value=p["value"]).to_parameter_msg() for p in items]


def result(r):
    return {"successful": r.successful, "reason": r.reason}


def descriptor(d):
    out = {"name": d.name, "type": d.type, "description": d.description, "read_only": d.read_only,
           "additional_constraints": d.additional_constraints}
    if d.floating_point_range:
        r = d.floating_point_range[0]
        out["range"] = [r.from_value, r.to_value, r.step]
    if d.integer_range:
        r = d.integer_range[0]
        out["range"] = [r.from_value, r.to_value, r.step]
    return out


def call(node, target, op):
    srv_type, name = SERVICES[op["op"]]
    client = node.create_client(srv_type, target + "/" + name)
    if not client.wait_for_service(timeout_sec=20):
        return {"error": "service not available: " + target + "/" + name}
    req = srv_type.Request()
    if op["op"] == "list":
        req.prefixes = op.get("prefixes", [])
        req.depth = op.get("depth", 0)
    elif op["op"] in ("get", "types", "describe"):
        req.names = op["names"]
    else:
        req.parameters = params(op["params"])
    fut = client.call_async(req)
    rclpy.spin_until_future_complete(node, fut, timeout_sec=20)
    resp = fut.result()
    if resp is None:
        return {"error": "no response"}
    if op["op"] == "list":
        return {"names": list(resp.result.names), "prefixes": list(resp.result.prefixes)}
    if op["op"] == "get":
        return {"values": [parameter_value_to_python(v) for v in resp.values]}
    if op["op"] == "types":
        return {"types": list(resp.types)}
    if op["op"] == "describe":
        return {"descriptors": [descriptor(d) for d in resp.descriptors]}
    if op["op"] == "set":
        return {"results": [result(r) for r in resp.results]}
    return {"result": result(resp.result)}


def main():
    target, ops = sys.argv[1], json.loads(sys.argv[2])
    rclpy.init()
    node = rclpy.create_node("gopercept_param_client")
    events = []

    def on_event(ev):
        if ev.node == target:
            events.append({"new": [p.name for p in ev.new_parameters],
                           "changed": {p.name: parameter_value_to_python(p.value) for p in ev.changed_parameters}})

    node.create_subscription(ParameterEvent, "/parameter_events", on_event, 1000)
    out = [call(node, target, op) for op in ops]
    end = time.time() + 1.0  # the last events may trail the responses
    while time.time() < end:
        rclpy.spin_once(node, timeout_sec=0.1)
    print(json.dumps({"results": out, "events": events}), flush=True)
    node.destroy_node()
    rclpy.shutdown()


if __name__ == "__main__":
    main()
