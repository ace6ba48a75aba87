#!/usr/bin/env bash
# The installer's proof: build the .deb, install it with apt into a clean
# Debian 12 root made by debootstrap (so Depends come from the archive), run the
# CLI and the GUI there as an ordinary user, remove the package, and check that
# nothing but user data is left. Fails on any missing dependency or file.
# Cleans up after itself. Needs root and the Debian mirror (~4 minutes).
#
#   bash packaging/install-test.sh [build-dir]     (default: build)
#
# Leaves what the installed programs made in <build-dir>/install-test/
# (face.png, oracle.png, gui.png, package-files.txt).
set -euo pipefail
export LC_ALL=C  # one sort order for comm
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
results=$build/install-test
[ "$(id -u)" -eq 0 ] || { echo "install-test: run as root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "install-test: apt-get install debootstrap" >&2; exit 2; }

work=$(mktemp -d /tmp/diffscope-install-test.XXXXXX)
root=$work/root
cleanup() {
  for mount in dev/pts dev proc sys; do
    mountpoint -q "$root/$mount" 2>/dev/null && umount -l "$root/$mount"
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
fail() { echo "install-test: FAILED: $*" >&2; exit 1; }
step() { echo "== install-test: $*"; }
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
as_user() { chroot "$root" env -i PATH=/usr/bin:/bin HOME=/home/tester LANG=C.UTF-8 setpriv \
              --reuid=tester --regid=tester --init-groups sh -c "cd /home/tester && $1"; }
# Every path of the root except the virtual file systems, temporary files and
# what apt and dpkg keep about themselves.
snapshot() {
  in_root find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /run \
    -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/log \) -prune -o -print | sort
}

step "building the package"
rm -rf "$results" && mkdir -p "$results"
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log") || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/deb/diffscope_*.deb)
dpkg-deb -f "$deb" Package Version Depends Recommends
dpkg-deb -c "$deb" | awk '{print $6}' >"$results/package-files.txt"

step "making a clean Debian 12 root (debootstrap minbase)"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
mount -t proc proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root apt-get update -qq
in_root useradd --create-home tester
before=$(snapshot)
packages_before=$(in_root dpkg-query -W -f '${Package}\n' | sort)

step "installing $(basename "$deb") with apt"
cp "$deb" "$root/tmp/"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; fail "apt-get install"; }
for file in /usr/bin/diffscope /usr/bin/diffscope-cli /usr/bin/diffscope-dataset \
            /usr/share/diffscope/models/diffscope-emoji.json /usr/share/diffscope/models/diffscope-emoji.safetensors \
            /usr/share/diffscope/models/diffscope-emoji.aliases.json \
            /usr/share/applications/org.diffscope.DiffScope.desktop /usr/share/metainfo/org.diffscope.DiffScope.metainfo.xml \
            /usr/share/icons/hicolor/scalable/apps/org.diffscope.DiffScope.svg \
            /usr/share/icons/hicolor/48x48/apps/org.diffscope.DiffScope.png \
            /usr/share/man/man1/diffscope-cli.1.gz /usr/share/doc/diffscope/copyright; do
  [ -e "$root$file" ] || fail "the package did not install $file"
done
missing=$(in_root sh -c 'ldd /usr/bin/diffscope /usr/bin/diffscope-cli /usr/bin/diffscope-dataset | grep "not found" || true')
[ -z "$missing" ] || fail "libraries the Depends did not bring: $missing"
installed=$(snapshot)

step "diffscope-cli generate, as an ordinary user"
as_user 'diffscope-cli --version && diffscope-cli generate -p "grinning face" --steps 20 -o face.png' \
  || fail "diffscope-cli generate"
as_user 'diffscope-cli generate -m oracle -p rocket --steps 10 -o oracle.png' || fail "the oracle model"
ls "$root"/home/tester/.cache/diffscope/emoji-gemojione-*.safetensors >/dev/null \
  || fail "the oracle's image set was not built into the user's cache"

step "the desktop app, offscreen"
as_user 'QT_QPA_PLATFORM=offscreen diffscope --prompt "red apple" --generate --screenshot gui.png' \
  || fail "the desktop app"
for png in face.png oracle.png gui.png; do
  file=$root/home/tester/$png
  [ "$(head -c 8 "$file" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$png is not a PNG"
  cp "$file" "$results/"
done
written=$(comm -13 <(echo "$installed") <(snapshot) | grep -v '^/home/tester' || true)
[ -z "$written" ] || fail "the programs wrote outside the user's home: $written"

step "removing the package"
owned=$(in_root dpkg -L diffscope)
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq --autoremove diffscope >"$work/apt.log" 2>&1 \
  || { tail -30 "$work/apt.log"; fail "apt-get purge"; }
left=$(comm -13 <(echo "$before") <(snapshot) | grep -v '^/home/tester' || true)
ours=$(comm -12 <(echo "$left") <(echo "$owned" | sort) || true)
[ -z "$ours" ] || fail "removal left the package's files: $ours"
echo "$left" | grep -i diffscope && fail "removal left files named diffscope"
kept=$(comm -13 <(echo "$packages_before") <(in_root dpkg-query -W -f '${Package}\n' | sort) | tr '\n' ' ')
[ -z "$left" ] || echo "not diffscope's: $(echo "$left" | wc -l) paths of packages apt kept (recommended by the base system): $kept"
[ -d "$root/home/tester/.cache/diffscope" ] || fail "the user's data went with the package"

step "passed: installed, generated (CLI, oracle, GUI) and removed cleanly; results in $results"
