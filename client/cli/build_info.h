// What --version prints about the build: the project version (CMake project(VERSION)), the git
// commit of the sources ("unknown" outside a git checkout; "-dirty" with uncommitted changes),
// the build type and the compiler. Library attnserve_build_info, whose one source is generated
// at build time by cmake/BuildInfo.cmake (a new commit recompiles that file only).
#ifndef ATTNSERVE_CLIENT_CLI_BUILD_INFO_H_
#define ATTNSERVE_CLIENT_CLI_BUILD_INFO_H_

#include <string>

namespace attnserve {

struct BuildInfo {
  const char* version;     // "0.1.0"
  const char* commit;      // "96a50a2c3d4e", "96a50a2c3d4e-dirty" or "unknown"
  const char* build_type;  // "RelWithDebInfo"
  const char* compiler;    // "GNU 12.2.0"
};

const BuildInfo& GetBuildInfo();

// "<program> <version>\ncommit: ...\nbuild type: ...\ncompiler: ...\n" (aligned).
inline std::string VersionText(const std::string& program) {
  const BuildInfo& b = GetBuildInfo();
  return program + " " + b.version + "\n" + "commit:     " + b.commit + "\n" +
         "build type: " + b.build_type + "\n" + "compiler:   " + b.compiler + "\n";
}

}  // namespace attnserve

#endif  // ATTNSERVE_CLIENT_CLI_BUILD_INFO_H_
