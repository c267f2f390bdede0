"""Multi-person 2D/3D human pose: ros2 launch gopercept pose2d.launch.py"""
import os
import sys

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration

sys.path.insert(0, os.path.dirname(__file__))
from _common import common_arguments, gopercept_node, share  # noqa: E402


def generate_launch_description():
    return LaunchDescription(common_arguments('pose2d') + [
        DeclareLaunchArgument('model_path', default_value=share('models', 'pose-heatmap-small.onnx'),
                              description='Pose model (heatmap, SimCC, YOLO-pose or PAF; its card says which).'),
        DeclareLaunchArgument('detector_path', default_value=share('models', 'detector-person-small.onnx'),
                              description='Person detector for top-down pose models.'),
        gopercept_node('pose2d', {
            'model.path': LaunchConfiguration('model_path'),
            'detector.path': LaunchConfiguration('detector_path'),
            'model.providers': LaunchConfiguration('providers'),
        }),
    ])
