"""All three gopercept nodes, and optionally rviz2: ros2 launch gopercept perception.launch.py"""
import os

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.conditions import IfCondition
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def include(name):
    here = os.path.dirname(__file__)
    return IncludeLaunchDescription(
        PythonLaunchDescriptionSource(os.path.join(here, name + '.launch.py')),
        launch_arguments={
            'namespace': LaunchConfiguration('namespace'),
            'use_sim_time': LaunchConfiguration('use_sim_time'),
            'providers': LaunchConfiguration('providers'),
            'params_file': PathJoinSubstitution([FindPackageShare('gopercept'), 'params', name + '.yaml']),
        }.items())


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('namespace', default_value='', description='Namespace of the nodes.'),
        DeclareLaunchArgument('use_sim_time', default_value='false', description='Use /clock (bag playback).'),
        DeclareLaunchArgument('providers', default_value='[cpu]', description='ONNX Runtime execution providers in order.'),
        DeclareLaunchArgument('rviz', default_value='false', description='Start rviz2 with gopercept.rviz.'),
        include('lidarseg'),
        include('pose2d'),
        include('bevfusion'),
        Node(package='rviz2', executable='rviz2', name='rviz2', output='screen',
             arguments=['-d', PathJoinSubstitution([FindPackageShare('gopercept'), 'rviz', 'gopercept.rviz'])],
             condition=IfCondition(LaunchConfiguration('rviz'))),
    ])
