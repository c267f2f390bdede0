# golden-source: .cache/ros2 (scripts/ros2-env.sh: ROS 2 Jazzy wheels, and tf2_msgs, vision_msgs, gopercept_msgs built with their rosidl)
"""Writes type_hashes_jazzy.json: the RIHS01 type description hash of every
message type of the packages gopercept writes, as ROS 2 Jazzy's
rosidl_generator_type_description computed them when the packages were
built. It reads the generator's own output, the <pkg>/msg/<Type>.json
files under share/ of the Jazzy wheels venv (.cache/ros2/venv, from
scripts/ros2-env.sh) and of the packages that script builds with Jazzy's
rosidl (.cache/ros2/install: tf2_msgs, vision_msgs, gopercept_msgs)."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4] / '.cache' / 'ros2'
PACKAGES = [
    'builtin_interfaces', 'diagnostic_msgs', 'geometry_msgs', 'gopercept_msgs', 'nav_msgs',
    'rcl_interfaces', 'rosgraph_msgs', 'sensor_msgs', 'std_msgs', 'tf2_msgs', 'vision_msgs',
    'visualization_msgs',
]

hashes = {}
for pkg in PACKAGES:
    found = False
    for share in (ROOT / 'venv' / 'share', ROOT / 'install' / 'share'):
        for f in sorted((share / pkg / 'msg').glob('*.json')):
            d = json.loads(f.read_text())
            top = d['type_hashes'][0]
            assert top['type_name'] == f'{pkg}/msg/{f.stem}', (f, top)
            hashes[top['type_name']] = top['hash_string']
            found = True
    assert found, f'no type description files for {pkg} under {ROOT}'

Path('type_hashes_jazzy.json').write_text(json.dumps(hashes, indent=1, sort_keys=True) + '\n')
