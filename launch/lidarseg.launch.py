"""Range-image LiDAR semantic segmentation: ros2 launch gopercept lidarseg.launch.py

Arguments: namespace, use_sim_time, providers, lidarseg_params_file and the
lidarseg_* overrides in _common.OVERRIDES (ros2 launch gopercept lidarseg.launch.py -s).
"""
import os
import sys

from launch import LaunchDescription

sys.path.insert(0, os.path.dirname(__file__))
from _common import gopercept_node, node_arguments, shared_arguments  # noqa: E402


def generate_launch_description():
    return LaunchDescription(shared_arguments() + node_arguments('lidarseg') + [gopercept_node('lidarseg')])
