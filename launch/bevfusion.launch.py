"""Surround cameras + LiDAR to BEV occupancy and 3D detections: ros2 launch gopercept bevfusion.launch.py"""
import os
import sys

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration

sys.path.insert(0, os.path.dirname(__file__))
from _common import common_arguments, gopercept_node, share  # noqa: E402


def generate_launch_description():
    return LaunchDescription(common_arguments('bevfusion') + [
        DeclareLaunchArgument('encoder_model', default_value='',
                              description='Camera encoder ONNX (card family bev-camera); empty for lidar-only occupancy and IPM.'),
        DeclareLaunchArgument('fuser_model', default_value='',
                              description='Fuser and detection heads ONNX (card family bev-fuser).'),
        gopercept_node('bevfusion', {
            'encoder_model': LaunchConfiguration('encoder_model'),
            'fuser_model': LaunchConfiguration('fuser_model'),
            'providers': LaunchConfiguration('providers'),
        }),
    ])
