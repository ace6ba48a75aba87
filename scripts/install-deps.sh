#!/usr/bin/env bash
# Installs everything DiffScope needs to build, test and run, from Debian 12's
# archive only. Run as root (or with sudo). Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev            # LibTorch 1.13 (CPU)
  libopenblas0-openmp     # BLAS for LibTorch: the reference BLAS is ~20x slower
  nlohmann-json3-dev libcli11-dev libpng-dev zlib1g-dev
  libssl-dev              # SHA-256 (OpenSSL libcrypto): LoRA hashes, download checks
  libcurl4-openssl-dev    # downloading models (Model → Get models…, diffscope-cli models)
  libicu-dev              # Unicode text cleaning for the CLIP tokenizer
  python3-torch python3-numpy  # ../shared/tools/make_random_sd15.py: the SD 1.5 conformance checkpoint
  python3-venv            # scripts/build.sh --torch pip: LibTorch 2 from PyPI's torch wheel
  libgtest-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev  # libFuzzer + sanitizers: scripts/fuzz.sh
  ruby-gemojione          # EmojiOne art: the oracle model's image set
  fonts-noto-color-emoji  # Noto Color Emoji: the built-in model's second art style
  unicode-data            # emoji-test.txt: one CLDR name per emoji sequence
  unifont                 # GNU Unifont .hex: the labels diffscope-cli grid draws
  unicode-cldr-core       # CLDR emoji names and keywords in ~100 languages: the built-in model's captions
  # The desktop app
  qt6-base-dev qt6-charts-dev qt6-svg-dev
  libqt6opengl6-dev       # Qt6Charts' CMake config needs it
  libopencv-dev           # MP4 export (VideoWriter)
  libgif-dev              # GIF export (OpenCV 4.6 cannot write GIF)
  fonts-dejavu-core       # text in the offscreen tests and under Xvfb
  xvfb xauth imagemagick  # a virtual display and screenshots where there is no screen
  # The .deb and its tests
  dpkg-dev                # dpkg-shlibdeps: cpack's Depends
  appstream desktop-file-utils man-db  # validate the metainfo, desktop entry and man pages
  debootstrap             # the install test's clean Debian 12 root
)

if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
