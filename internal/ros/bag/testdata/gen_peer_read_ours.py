# golden-requires: rosbags==0.11.9 mcap==1.6.0 zstandard==0.25.0
"""Reads gopercept_msgcomp/ (a bag gopercept's writer made with per-message
zstd compression: go test ./internal/ros/bag -run TestGeneratePeerBag -update) with two
outside readers and writes what they saw to gopercept_msgcomp_read.json:
rosbags' rosbag2 Reader (which undoes message compression itself) and the
mcap package's reader with chunk CRC validation (statistics, the channels'
topic_type_hash, and how many stored payloads are zstd frames)."""

import hashlib
import json
from pathlib import Path

from mcap.reader import make_reader
from rosbags.rosbag2 import Reader

bag = Path('gopercept_msgcomp')
out = {}
with Reader(bag) as r:
    out['rosbags'] = {
        'compression_format': r.compression_format,
        'compression_mode': r.compression_mode,
        'messages': [
            {'topic': c.topic, 'timestamp': t, 'sha256': hashlib.sha256(bytes(d)).hexdigest()}
            for c, t, d in r.messages()
        ],
    }

with open(next(bag.glob('*.mcap')), 'rb') as f:
    reader = make_reader(f, validate_crcs=True)
    summary = reader.get_summary()
    frames = 0
    for _, channel, message in reader.iter_messages():
        frames += message.data[:4] == b'\x28\xb5\x2f\xfd'
    out['mcap'] = {
        'message_count': summary.statistics.message_count,
        'crcs_checked': True,
        'topic_type_hash': {
            ch.topic: ch.metadata.get('topic_type_hash', '') for ch in summary.channels.values()
        },
        'zstd_frames': frames,
    }

Path('gopercept_msgcomp_read.json').write_text(json.dumps(out, indent=1) + '\n')
