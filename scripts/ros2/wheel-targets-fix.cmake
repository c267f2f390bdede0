# Passed as CMAKE_PROJECT_INCLUDE by scripts/ros2-env.sh when it builds an
# interface package against the PyPI wheels. Their exported
# *__rosidl_generator_py targets carry the wheel builder's include directory
# (/opt/python/cp311-cp311/include), which does not exist here, and CMake
# refuses an imported target naming a missing directory. At the end of the
# top-level directory (after rosidl_generate_interfaces imported them) drop
# such directories, so the Python bindings can be generated.
function(_gopercept_prune_missing_includes)
  get_property(_targets DIRECTORY "${CMAKE_SOURCE_DIR}" PROPERTY IMPORTED_TARGETS)
  foreach(_t IN LISTS _targets)
    get_target_property(_inc ${_t} INTERFACE_INCLUDE_DIRECTORIES)
    if(NOT _inc)
      continue()
    endif()
    set(_keep "")
    foreach(_d IN LISTS _inc)
      if(_d MATCHES "^\\$<" OR EXISTS "${_d}")
        list(APPEND _keep "${_d}")
      endif()
    endforeach()
    set_target_properties(${_t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_keep}")
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _gopercept_prune_missing_includes)
