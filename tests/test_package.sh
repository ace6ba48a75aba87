#!/usr/bin/env bash
# The .deb as cpack builds it from this build folder: its Depends, its files,
# and the desktop entry, AppStream metainfo and man pages it ships, checked with
# Debian's own validators. (packaging/install-test.sh installs it for real.)
#   tests/test_package.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

appstreamcli validate --no-net "$source_dir/resources/org.diffscope.DiffScope.metainfo.xml" || fail "metainfo"
desktop-file-validate "$source_dir/resources/org.diffscope.DiffScope.desktop" || fail "desktop entry"
for page in "$source_dir"/resources/man/*.1; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null || true)
  [ -z "$warnings" ] || fail "man page $(basename "$page"): $warnings"
done

(cd "$build_dir" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; exit 1; }
deb=$(ls "$work"/diffscope_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for package in libtorch libqt6widgets6 libqt6charts6 libopencv-videoio libopenblas0-openmp ruby-gemojione libcurl4 \
               qt6-qpa-plugins libqt6svg6 libgif7 libpng16-16; do
  [[ ", $depends" == *", $package"* ]] || fail "Depends lacks $package"
done
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for file in ./usr/bin/diffscope ./usr/bin/diffscope-cli ./usr/bin/diffscope-dataset \
            ./usr/share/diffscope/models/diffscope-emoji.json ./usr/share/diffscope/models/diffscope-emoji.safetensors \
            ./usr/share/diffscope/models/diffscope-emoji.aliases.json \
            ./usr/share/applications/org.diffscope.DiffScope.desktop \
            ./usr/share/metainfo/org.diffscope.DiffScope.metainfo.xml \
            ./usr/share/icons/hicolor/scalable/apps/org.diffscope.DiffScope.svg \
            ./usr/share/man/man1/diffscope.1.gz ./usr/share/man/man1/diffscope-cli.1.gz \
            ./usr/share/doc/diffscope/copyright ./usr/share/doc/diffscope/diffscope-emoji.md; do
  grep -qxF "$file" <<<"$files" || fail "the package lacks $file"
done
for size in 16 24 32 48 64 128 256 512; do
  grep -qxF "./usr/share/icons/hicolor/${size}x${size}/apps/org.diffscope.DiffScope.png" <<<"$files" \
    || fail "the package lacks the ${size}px icon"
done
# Only the programs, their data and desktop integration: no headers, static
# libraries, tests or anything outside /usr.
unexpected=$(grep -vE '^\./usr/(bin|share)(/|$)|^\./$|^\./usr/$' <<<"$files" || true)
[ -z "$unexpected" ] || fail "unexpected files: $unexpected"
grep -qE '/test_|\.a$|/include/' <<<"$files" && fail "test programs, libraries or headers in the package"

# The PNG icons are real renderings of the right size.
mkdir "$work/x" && dpkg-deb -x "$deb" "$work/x"
for size in 16 256; do
  png=$work/x/usr/share/icons/hicolor/${size}x${size}/apps/org.diffscope.DiffScope.png
  dims=$(od -An -tu1 -j16 -N8 "$png" | awk '{print $3*256+$4 "x" $7*256+$8}')
  [ "$dims" = "${size}x${size}" ] || fail "the ${size}px icon is $dims"
done
[ "$failures" -eq 0 ] && echo "package OK: $(basename "$deb")"
exit "$failures"
