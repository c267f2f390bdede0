# golden-requires: rosbags==0.11.9 zstandard==0.25.0
"""Writes rosbags_msgcomp/, a rosbag2 MCAP bag directory with per-message
zstd compression (compression_mode: message) written by the `rosbags`
package (an independent rosbag2 writer), and rosbags_msgcomp.json, the
uncompressed CDR bytes rosbags' own serializer gives each message. The Go
test reads the bag and compares every decoded message with the JSON."""

import json
import shutil
from pathlib import Path

from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.rosbag2.enums import CompressionFormat, CompressionMode
from rosbags.typesys import Stores, get_typestore

ts = get_typestore(Stores.ROS2_JAZZY)
String = ts.types['std_msgs/msg/String']
Header = ts.types['std_msgs/msg/Header']
Time = ts.types['builtin_interfaces/msg/Time']
Vector3 = ts.types['geometry_msgs/msg/Vector3']
Vector3Stamped = ts.types['geometry_msgs/msg/Vector3Stamped']

out = Path('rosbags_msgcomp')
if out.exists():
    shutil.rmtree(out)
expected = []
w = Writer(out, version=9, storage_plugin=StoragePlugin.MCAP)
w.set_compression(CompressionMode.MESSAGE, CompressionFormat.ZSTD)
with w:
    cs = w.add_connection('/chatter', 'std_msgs/msg/String', typestore=ts)
    cv = w.add_connection('/accel', 'geometry_msgs/msg/Vector3Stamped', typestore=ts)
    t0 = 1_700_000_000_000_000_000
    for i in range(6):
        t = t0 + i * 50_000_000
        msg = String(data='hello ' * (i + 1) + str(i))
        cdr = bytes(ts.serialize_cdr(msg, 'std_msgs/msg/String'))
        w.write(cs, t, cdr)
        expected.append({'topic': '/chatter', 'log_time': t, 'cdr': cdr.hex()})
        v = Vector3Stamped(
            header=Header(stamp=Time(sec=t // 10**9, nanosec=t % 10**9), frame_id='imu'),
            vector=Vector3(x=0.5 * i, y=-1.25, z=9.81),
        )
        cdr = bytes(ts.serialize_cdr(v, 'geometry_msgs/msg/Vector3Stamped'))
        w.write(cv, t + 1, cdr)
        expected.append({'topic': '/accel', 'log_time': t + 1, 'cdr': cdr.hex()})

Path('rosbags_msgcomp.json').write_text(json.dumps(expected, indent=1) + '\n')
