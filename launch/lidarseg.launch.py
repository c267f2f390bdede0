"""Range-image LiDAR semantic segmentation: ros2 launch gopercept lidarseg.launch.py"""
import os
import sys

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration

sys.path.insert(0, os.path.dirname(__file__))
from _common import common_arguments, gopercept_node, share  # noqa: E402


def generate_launch_description():
    return LaunchDescription(common_arguments('lidarseg') + [
        DeclareLaunchArgument('model_path', default_value=share('models', 'lidarseg-small.onnx'),
                              description='ONNX model in the RangeNet++ contract; empty for geometry only.'),
        gopercept_node('lidarseg', {
            'model.path': LaunchConfiguration('model_path'),
            'model.providers': LaunchConfiguration('providers'),
        }),
    ])
