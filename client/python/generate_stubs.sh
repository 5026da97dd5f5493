#!/usr/bin/env bash
# Generates the Python gRPC stubs of attnserve's API from proto/ with Debian's protoc and
# grpc_python_plugin (packages protobuf-compiler, protobuf-compiler-grpc). Nothing generated is
# committed: CMake runs this into the build directory (target attnserve_python_stubs), and
# you can run it anywhere else:
#
#   client/python/generate_stubs.sh OUT_DIR
#   PYTHONPATH=OUT_DIR:client/python /usr/bin/python3 client/python/examples/embed.py "hello"
#
# OUT_DIR gets attnserve/v1/attnserve_pb2{,_grpc}.py and attnserve_health/v1/health_pb2{,_grpc}.py.
# The health proto is written under attnserve_health/ rather than grpc/health/: a top-level
# package named `grpc` would shadow grpcio itself. Its proto package (grpc.health.v1) and so the
# service name on the wire are unchanged.
set -euo pipefail
if (($# != 1)); then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1
proto_dir=$(cd "$(dirname "$0")/../../proto" && pwd)
protoc=${PROTOC:-protoc}
plugin=${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || true)}
if [[ -z "$plugin" ]]; then
  echo "$0: grpc_python_plugin not found (Debian package protobuf-compiler-grpc)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/attnserve/v1" "$tmp/attnserve_health/v1" "$out"
cp "$proto_dir/attnserve/v1/attnserve.proto" "$tmp/attnserve/v1/"
cp "$proto_dir/grpc/health/v1/health.proto" "$tmp/attnserve_health/v1/"
"$protoc" --proto_path="$tmp" --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" \
  attnserve/v1/attnserve.proto attnserve_health/v1/health.proto
# Regular packages (not namespace packages), so that they import the same way everywhere.
for d in attnserve attnserve/v1 attnserve_health attnserve_health/v1; do
  touch "$out/$d/__init__.py"
done
