#!/usr/bin/env bash
# Configures and builds DiffScope (Release). Extra arguments go to CMake.
#
#   scripts/build.sh [--torch debian|pip] [--torch-venv DIR] [CMake arguments...]
#
# --torch debian (the default): Debian 12's LibTorch 1.13 (CPU), what the .deb
#   depends on; builds in ./build.
# --torch pip: LibTorch 2.x with CUDA from PyPI's `torch` wheel; builds in
#   ./build-torch2. The wheel goes into a virtual environment,
#   build-torch2/venv, created with Debian's Python unless --torch-venv names
#   one that already has torch (DIFFSCOPE_TORCH_VENV does the same).
#   DIFFSCOPE_TORCH_SPEC picks the wheel (default: the version tested here).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cores.sh

torch_line=debian
venv=${DIFFSCOPE_TORCH_VENV:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) torch_line=$2; shift 2 ;;
    --torch=*) torch_line=${1#--torch=}; shift ;;
    --torch-venv) venv=$2; shift 2 ;;
    --torch-venv=*) venv=${1#--torch-venv=}; shift ;;
    *) break ;;
  esac
done

case "$torch_line" in
  debian)
    build_dir=${DIFFSCOPE_BUILD_DIR:-build}
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
    ;;
  pip)
    build_dir=${DIFFSCOPE_BUILD_DIR:-build-torch2}
    if [ -z "$venv" ]; then
      venv=$build_dir/venv
      if [ ! -x "$venv/bin/python" ]; then
        /usr/bin/python3 -m venv "$venv"
      fi
      if ! "$venv/bin/python" -c 'import torch' 2>/dev/null; then
        "$venv/bin/pip" install --quiet "${DIFFSCOPE_TORCH_SPEC:-torch==2.15.0}"
      fi
    fi
    # The package folder itself is the prefix: LibTorch's config looks for
    # lib/libtorch.so under it, and would otherwise settle for Debian's.
    torch_dir=$("$venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)
    echo "LibTorch $("$venv/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null) from $torch_dir"
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$torch_dir;$torch_dir/share/cmake" "$@"
    ;;
  *)
    echo "unknown --torch '$torch_line' (use debian or pip)" >&2
    exit 2
    ;;
esac
cmake --build "$build_dir" -j"$(cpu_cores)"
