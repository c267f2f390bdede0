"""Helpers shared by gopercept's launch files (not a launch file itself)."""
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def share(*parts):
    return PathJoinSubstitution([FindPackageShare('gopercept'), *parts])


def common_arguments(node):
    return [
        DeclareLaunchArgument('namespace', default_value='', description='Namespace of the node.'),
        DeclareLaunchArgument('params_file', default_value=share('params', node + '.yaml'),
                              description='ROS 2 parameter file of the node.'),
        DeclareLaunchArgument('use_sim_time', default_value='false', description='Use /clock (bag playback).'),
        DeclareLaunchArgument('providers', default_value='[cpu]',
                              description='ONNX Runtime execution providers in order, e.g. [tensorrt, cuda, cpu].'),
    ]


def gopercept_node(node, overrides):
    """A gopercept node with its parameter file and the launch overrides."""
    params = {'use_sim_time': LaunchConfiguration('use_sim_time')}
    params.update(overrides)
    return Node(package='gopercept', executable=node, name=node,
                namespace=LaunchConfiguration('namespace'),
                parameters=[LaunchConfiguration('params_file'), params],
                output='screen')
