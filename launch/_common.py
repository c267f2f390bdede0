"""Helpers shared by gopercept's launch files (not a launch file itself).

Every launch argument but namespace, use_sim_time and providers is scoped by
its node (lidarseg_model_path, pose2d_model_path, ...): launch arguments are
global to a launch, so perception.launch.py, which includes all three
nodes' files, would otherwise hand one node's model to another.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

# Per node: launch argument (without the node prefix) -> (parameter it
# overrides, whether it names a file, description). launch/launch_test.go
# checks every parameter here against what the node declares.
#
# Topic names: inputs are relative (resolved in the namespace: lidar/points
# is /veh1/lidar/points with namespace:=veh1), outputs are under the node's
# name (~/labelled is /veh1/lidarseg/labelled). The input arguments set the
# topic parameters; --ros-args -r from:=to remaps them as well.
OVERRIDES = {
    'lidarseg': {
        'model_path': ('model.path', True, 'ONNX model in the RangeNet++ contract.'),
        'providers': ('model.providers', False, 'ONNX Runtime execution providers in order, e.g. [cuda, cpu].'),
        'input_topic': ('input_topic', False, 'PointCloud2 input, e.g. /ouster/points (relative: in the namespace).'),
    },
    'pose2d': {
        'model_path': ('model.path', True, 'Pose model (heatmap, SimCC, YOLO-pose or PAF; its card says which).'),
        'detector_path': ('detector.path', True, 'Person detector for top-down pose models.'),
        'providers': ('model.providers', False, 'ONNX Runtime execution providers in order, e.g. [cuda, cpu].'),
        'image_topic': ('image.topic', False, 'Colour image input, e.g. /front/color/image_raw (relative: in the namespace).'),
        'camera_info_topic': ('camera_info.topic', False, 'CameraInfo of the colour camera.'),
        'depth_topic': ('depth.topic', False, 'Depth image aligned to the colour camera.'),
    },
    'bevfusion': {
        'encoder_model': ('encoder_model', True, 'Camera encoder ONNX (card family bev-camera).'),
        'fuser_model': ('fuser_model', True, 'Fuser and detection heads ONNX (card family bev-fuser).'),
        'providers': ('providers', False, 'ONNX Runtime execution providers in order, e.g. [cuda, cpu].'),
        'cloud_topic': ('cloud_topic', False, 'PointCloud2 input, e.g. /ouster/points (relative: in the namespace).'),
        'cameras': ('cameras', False, 'Camera names, each reading <name>/image and <name>/camera_info, e.g. [front, back].'),
    },
}

# The parameters whose launch argument is a list: "[a, b]" or "a, b".
LIST_PARAMETERS = {'model.providers', 'providers', 'cameras'}


def share_dir():
    return get_package_share_directory('gopercept')


def shared_arguments():
    """The arguments every node takes the same way."""
    return [
        DeclareLaunchArgument('namespace', default_value='', description='Namespace of the nodes, e.g. veh1.'),
        DeclareLaunchArgument('use_sim_time', default_value='false', description='Take time from /clock (bag playback).'),
        DeclareLaunchArgument('providers', default_value='',
                              description='ONNX Runtime providers for every node, e.g. [cuda, cpu]; '
                                          'empty: each params file\'s (a <node>_providers argument wins).'),
        DeclareLaunchArgument('dds_profile', default_value=os.path.join(share_dir(), 'launch', 'fastdds_shm.xml'),
                              description='Fast DDS XML profile of the nodes (FASTRTPS_DEFAULT_PROFILES_FILE): the '
                                          'default\'s shared-memory segment carries a 3 MB cloud between processes on '
                                          'one host; none: Fast DDS\'s defaults. A profile already set in the '
                                          'environment wins.'),
    ]


def node_arguments(node):
    """The arguments scoped to node: its params file and its overrides."""
    args = [DeclareLaunchArgument(
        node + '_params_file', default_value=os.path.join(share_dir(), 'params', node + '.yaml'),
        description='ROS 2 parameter file of ' + node + '.')]
    for arg, (param, _, desc) in OVERRIDES[node].items():
        args.append(DeclareLaunchArgument(
            node + '_' + arg, default_value='',
            description=desc + ' Empty: the params file\'s (' + param + ').'))
    return args


def _resolve(path):
    """Relative paths are the package's, as the node resolves them."""
    return path if os.path.isabs(path) else os.path.join(share_dir(), path)


def _node(context, node):
    get = lambda name: LaunchConfiguration(name).perform(context).strip()  # noqa: E731
    params_file = get(node + '_params_file')
    if not os.path.isfile(params_file):
        raise RuntimeError('%s_params_file: no such file: %s' % (node, params_file))
    overrides = {'use_sim_time': get('use_sim_time').lower() in ('true', '1', 'yes')}
    for arg, (param, is_file, _) in OVERRIDES[node].items():
        value = get(node + '_' + arg)
        if arg == 'providers' and not value:
            value = get('providers')
        if not value:
            continue  # the params file's value stands
        if is_file:
            if not os.path.isfile(_resolve(value)):
                raise RuntimeError('%s_%s: no such file: %s' % (node, arg, _resolve(value)))
            overrides[param] = _resolve(value)
        elif param in LIST_PARAMETERS:
            overrides[param] = [p.strip() for p in value.strip('[]').split(',') if p.strip()]
        else:
            overrides[param] = value
    return [Node(package='gopercept', executable=node, name=node,
                 namespace=get('namespace'),
                 parameters=[params_file, overrides],
                 additional_env=_dds_env(get('dds_profile')),
                 output='screen')]


def _dds_env(profile):
    """The environment that gives the node the DDS profile, unless the
    user's environment names one already."""
    if not profile or profile == 'none' or os.environ.get('FASTRTPS_DEFAULT_PROFILES_FILE') or os.environ.get('FASTDDS_DEFAULT_PROFILES_FILE'):
        return {}
    if not os.path.isfile(profile):
        raise RuntimeError('dds_profile: no such file: %s' % profile)
    return {'FASTRTPS_DEFAULT_PROFILES_FILE': profile}


def gopercept_node(node):
    """The node with its params file and the overrides its arguments give,
    resolved when the launch runs (an empty argument sets nothing, so the
    params file's value stands; a file that does not exist stops the launch
    naming it)."""
    return OpaqueFunction(function=_node, args=[node])
