#!/usr/bin/env bash
# For a machine that has LibTorch but not our small libraries (a GPU box with
# Python's torch): download the Debian -dev packages here and unpack them into
# .deps/ (git-ignored), which CMake picks up through DIFFSCOPE_DEPS_PREFIX.
# Carry .deps to that machine and configure with
#   cmake -S . -B build -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')" \
#         -DDIFFSCOPE_BUILD_TESTS=OFF   # GoogleTest is not needed for core, CLI and benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .deps && mkdir -p .deps/debs
(cd .deps/debs && apt-get download nlohmann-json3-dev libcli11-dev libpng-dev libpng16-16 zlib1g-dev \
  libicu-dev libicu72 \
  libbenchmark-dev libbenchmark1debian libssl-dev libssl3)
for deb in .deps/debs/*.deb; do dpkg -x "$deb" .deps; done
# What travels to the GPU machine must stay small (the device tool carries
# 64 MiB in all): the shared libraries and headers are enough to build and run.
rm -rf .deps/debs .deps/usr/share/doc .deps/usr/share/man
find .deps/usr/lib -name 'libicu*.a' -delete  # CMake's configs name the others
rm -f .deps/usr/lib/x86_64-linux-gnu/lib{ssl,crypto}.a
rm -f .deps/usr/lib/x86_64-linux-gnu/libicu{io,test,tu}.*
# zlib1g-dev links libz.so to Debian 12's exact file name; every glibc system
# has the SONAME (another distribution's zlib version would break the link).
ln -sf /lib/x86_64-linux-gnu/libz.so.1 .deps/usr/lib/x86_64-linux-gnu/libz.so
# CMake finds libpng through the unpacked headers and library.
echo "unpacked into $(pwd)/.deps/usr"
