# Installation: the node, plexusctl and the shipped modules in bin/; the SDK (headers, static
# libraries, the CMake package Plexus with target Plexus::sdk) for outside modules; the .proto
# files under share/plexus/proto for clients in other languages.
include(CMakePackageConfigHelpers)

install(TARGETS plexus-node plexusctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(module IN LISTS PLEXUS_SHIPPED_MODULES)
  install(TARGETS plexus-${module} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endforeach()
if(TARGET plexus-bench)
  install(TARGETS plexus-bench plexus-bench-module RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(TARGETS plexus_proto plexus_ipc plexus_sdk EXPORT PlexusTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The SDK's public API only: plexus/sdk/module.h and what it includes (the ipc internals,
# ZAP, wake queues, frame pool, socket monitor, thread checks, are not installed), plus
# plexus/version.h (kPlexusVersion). tests/install/outside_module_test.sh checks that every
# installed plexus/ipc header is one that module.h includes.
set(PLEXUS_SDK_IPC_HEADERS result.h)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/module-sdk/include/ ${PROJECT_BINARY_DIR}/ipc/generated/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
list(TRANSFORM PLEXUS_SDK_IPC_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/ipc/include/plexus/ipc/)
install(FILES ${PLEXUS_SDK_IPC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/plexus/ipc)
install(DIRECTORY ${PROJECT_BINARY_DIR}/proto/plexus DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.pb.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/proto/plexus DESTINATION ${CMAKE_INSTALL_DATADIR}/plexus/proto
        FILES_MATCHING PATTERN "*.proto")

set(PLEXUS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Plexus)
install(EXPORT PlexusTargets NAMESPACE Plexus:: DESTINATION ${PLEXUS_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/PlexusConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/PlexusConfig.cmake
                              INSTALL_DESTINATION ${PLEXUS_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/PlexusConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/PlexusConfig.cmake ${PROJECT_BINARY_DIR}/PlexusConfigVersion.cmake
        DESTINATION ${PLEXUS_CMAKE_DIR})

# The systemd unit (packaging/systemd, docs/operations.md "systemd") in lib/systemd/system, its
# ExecStart naming the installed plexus-node: the prefix is known only at install time
# (`cmake --install --prefix`), so the unit is written then.
install(CODE "
  file(READ \"${PROJECT_SOURCE_DIR}/packaging/systemd/plexus-node.service\" _unit)
  string(REPLACE \"/usr/local/bin/plexus-node\"
         \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/plexus-node\" _unit \"\${_unit}\")
  file(WRITE \"${PROJECT_BINARY_DIR}/packaging/plexus-node.service\" \"\${_unit}\")
")
install(FILES ${PROJECT_BINARY_DIR}/packaging/plexus-node.service
        DESTINATION lib/systemd/system)

# Monitoring (docs/operations.md#metrics): Prometheus alert rules and a Grafana dashboard.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/prometheus/plexus-rules.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/plexus/prometheus)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/grafana/plexus-dashboard.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/plexus/grafana)
