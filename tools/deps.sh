#!/bin/sh
# Installs what Allegro Studio needs to build, run and test on Debian 12
# (bookworm), with apt-get.  Shared by tools/setup.sh and .ci/run.
#
# Mesa's Vulkan drivers come from bookworm-backports (Mesa 25), whose CPU
# driver lavapipe is about six times faster than bookworm's Mesa 22.3; the
# backports entry is derived from this machine's own Debian sources.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi

export DEBIAN_FRONTEND=noninteractive

packages="
  build-essential meson ninja-build pkg-config python3 clang-format
  glslc spirv-tools glslang-tools
  libvulkan-dev vulkan-tools vulkan-validationlayers mesa-vulkan-drivers
  libcjson-dev libopenblas-dev libsentencepiece-dev zlib1g-dev libsqlite3-dev
  clang libclang-rt-14-dev
  libavcodec-dev libavformat-dev libswscale-dev libavutil-dev ffmpeg
  libgtk-4-dev libadwaita-1-dev
  xvfb xauth dbus
  libgtk-4-bin desktop-file-utils appstream
  debhelper dpkg-dev fakeroot
"

sources=/etc/apt/sources.list.d/debian.sources
backports=/etc/apt/sources.list.d/allegro-studio-backports.sources
if [ -f "$sources" ] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # The first stanza of the machine's own sources, with the suite changed.
  awk 'BEGIN { RS = ""; ORS = "\n" } NR == 1' "$sources" \
    | sed 's/^Suites:.*/Suites: bookworm-backports/' > "$backports"
fi

apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages > /dev/null
if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers > /dev/null \
    || echo "deps.sh: Mesa from bookworm-backports could not be installed; keeping bookworm's" >&2
fi
echo "deps.sh: dependencies installed"
