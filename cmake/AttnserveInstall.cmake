# Installation (`cmake --install BUILD [--prefix P] [--component runtime|development]`) and the
# Debian packages (`cpack -G DEB` in BUILD, or the `package` target). Two components, one package
# each:
#   runtime      bin/attnserve, bin/attnserve-cli                         -> attnserve
#   development  the C++ client library (static), its headers, the .proto  -> attnserve-dev
#                files, the CMake package and attnserve-client.pc
# The client library is static (as every library of ours is in this build): its API carries
# Abseil and protobuf types, neither of which has a stable ABI, and the project is 0.x, so a
# shared libattnserve_client.so would need a new SONAME with every Debian library update and
# every release; linked statically, an application depends only on Debian's shared gRPC,
# protobuf and Abseil. It is built position-independent, so it links into shared objects too.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ATTNSERVE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/attnserve)
# Headers go under include/attnserve/, laid out as the build's include roots (the source tree and
# proto/'s generated code), so the client header's own includes ("attnserve/v1/...",
# "grpc/health/v1/...") resolve unchanged; include/ is on the path as well, so that applications
# write <attnserve/client/embedder_client.h>. Nothing lands in include/grpc/, which is gRPC's.
set(ATTNSERVE_HEADER_DIR ${CMAKE_INSTALL_INCLUDEDIR}/attnserve)

set_target_properties(attnserve_client PROPERTIES EXPORT_NAME client POSITION_INDEPENDENT_CODE ON)
set_target_properties(attnserve_proto PROPERTIES EXPORT_NAME proto POSITION_INDEPENDENT_CODE ON)
# The header needs C++17 (std::optional-era Abseil; designated initializers are the caller's
# choice), not our C++20.
target_compile_features(attnserve_client INTERFACE cxx_std_17)

install(TARGETS attnserve attnserve-cli
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS attnserve_client attnserve_proto EXPORT attnserveTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${ATTNSERVE_HEADER_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/client/embedder_client.h
  DESTINATION ${ATTNSERVE_HEADER_DIR}/client COMPONENT development)
# proto/CMakeLists.txt generates into proto/gen/ (gen_dir).
install(DIRECTORY ${PROJECT_BINARY_DIR}/proto/gen/
  DESTINATION ${ATTNSERVE_HEADER_DIR} COMPONENT development
  FILES_MATCHING PATTERN "*.pb.h")
# The API definition, for clients in other languages.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/proto/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/attnserve/proto COMPONENT development
  FILES_MATCHING PATTERN "*.proto")

# CMake package: find_package(attnserve CONFIG REQUIRED) -> attnserve::client (+ attnserve::proto).
install(EXPORT attnserveTargets NAMESPACE attnserve:: DESTINATION ${ATTNSERVE_CMAKE_DIR}
  COMPONENT development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/attnserveConfig.cmake.in
  ${PROJECT_BINARY_DIR}/attnserveConfig.cmake INSTALL_DESTINATION ${ATTNSERVE_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/attnserveConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/attnserveConfig.cmake
              ${PROJECT_BINARY_DIR}/attnserveConfigVersion.cmake
  DESTINATION ${ATTNSERVE_CMAKE_DIR} COMPONENT development)

# pkg-config: prefix relative to the .pc file, so that the same file works from /usr (the .deb)
# and from any `cmake --install --prefix`.
file(RELATIVE_PATH ATTNSERVE_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" ATTNSERVE_PC_TO_PREFIX "${ATTNSERVE_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/attnserve-client.pc.in
  ${PROJECT_BINARY_DIR}/attnserve-client.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/attnserve-client.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)

# ---- Debian packages ------------------------------------------------------------------------
# attnserve (runtime) and attnserve-dev (development) are separate so that a server installs
# neither headers nor the -dev packages of gRPC, protobuf and Abseil that the static library
# needs at link time. The runtime Depends come from dpkg-shlibdeps on the binaries (dpkg-dev).
set(ATTNSERVE_PACKAGE_MAINTAINER "attnserve maintainers <maintainers@users.noreply.b-seed-22dea55a.example>"
  CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME attnserve)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${ATTNSERVE_PACKAGE_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # strips the executables (RelWithDebInfo); static archives are kept whole
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # attnserve_0.1.0_amd64.deb, attnserve-dev_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME attnserve)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# Each description's first line is the package's synopsis (CPACK_PACKAGE_DESCRIPTION_SUMMARY is
# left unset: CPack would put it before both).
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "BERT-family embedding inference server (gRPC, CPU, oneDNN)
attnserve serves contextual embeddings (per-token and pooled sentence vectors) of BERT,
MiniLM, bge, e5 and gte models in the Hugging Face layout over gRPC, with padding-free
batching and Prometheus metrics. attnserve-cli embeds, tokenizes, checks health and
generates load.")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME attnserve-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "libgrpc++-dev (>= 1.51), libprotobuf-dev (>= 3.21), libabsl-dev (>= 20220623)")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "C++ client library for the attnserve embedding server
The static library attnserve_client with its headers and the generated gRPC code of the
attnserve.v1 API, a CMake package (find_package(attnserve), target attnserve::client) and a
pkg-config file (attnserve-client).")
include(CPack)
