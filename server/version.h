#ifndef ATTNSERVE_SERVER_VERSION_H_
#define ATTNSERVE_SERVER_VERSION_H_

// The project version, from CMake's project(VERSION) (a compile definition of attnserve_server).
#ifndef ATTNSERVE_VERSION
#error "ATTNSERVE_VERSION is defined by CMake (server/CMakeLists.txt)"
#endif

namespace attnserve {
inline constexpr char kAttnserveVersion[] = ATTNSERVE_VERSION;
}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_VERSION_H_
