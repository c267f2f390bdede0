"""All three gopercept nodes, and optionally rviz2: ros2 launch gopercept perception.launch.py

Each node keeps its own arguments (lidarseg_model_path, pose2d_model_path,
bevfusion_encoder_model, ...); namespace, use_sim_time and providers apply
to all three.
"""
import os
import sys

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

sys.path.insert(0, os.path.dirname(__file__))
from _common import gopercept_node, node_arguments, share_dir, shared_arguments  # noqa: E402

NODES = ['lidarseg', 'pose2d', 'bevfusion']


def generate_launch_description():
    actions = shared_arguments()
    actions.append(DeclareLaunchArgument('rviz', default_value='false', description='Start rviz2 with gopercept.rviz.'))
    for n in NODES:
        actions += node_arguments(n)
    actions += [gopercept_node(n) for n in NODES]
    # In the nodes' namespace: the rviz configuration names their outputs
    # relatively (lidarseg/labelled), so it shows /<namespace>/lidarseg/labelled.
    actions.append(Node(package='rviz2', executable='rviz2', name='rviz2', output='screen',
                        namespace=LaunchConfiguration('namespace'),
                        arguments=['-d', os.path.join(share_dir(), 'rviz', 'gopercept.rviz')],
                        condition=IfCondition(LaunchConfiguration('rviz'))))
    return LaunchDescription(actions)
