"""Multi-person 2D/3D human pose: ros2 launch gopercept pose2d.launch.py

Arguments: namespace, use_sim_time, providers, pose2d_params_file and the
pose2d_* overrides in _common.OVERRIDES (ros2 launch gopercept pose2d.launch.py -s).
"""
import os
import sys

from launch import LaunchDescription

sys.path.insert(0, os.path.dirname(__file__))
from _common import gopercept_node, node_arguments, shared_arguments  # noqa: E402


def generate_launch_description():
    return LaunchDescription(shared_arguments() + node_arguments('pose2d') + [gopercept_node('pose2d')])
