#!/bin/sh
# Quick start, step one: installs the dependencies (apt-get, through sudo when
# not root), builds Allegro Studio into build/, and starts it.
set -eu
cd "$(dirname "$0")/.."

./tools/deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "Built build/app/allegro-studio. No display is set, so the window cannot open here;"
  echo "from a desktop session run: build/app/allegro-studio"
  echo "Headless commands work anywhere, e.g.: build/app/allegro-studio devices"
  exit 0
fi
# Uninstalled: the GSettings schema compiled in the build folder; the demo
# model from the source tree; the embedded library in $XDG_DATA_HOME.
export GSETTINGS_SCHEMA_DIR="$PWD/build/resources"
exec build/app/allegro-studio
