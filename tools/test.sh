#!/bin/sh
# Quick start, step two: builds (if needed) and runs every test suite:
# the engine's kernels on a real Vulkan device (lavapipe without a GPU),
# spirv-val over every shader variant, and the command line.  GTK tests run
# under Xvfb, with their own session bus.
set -eu
cd "$(dirname "$0")/.."

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
export GTK_A11Y=none
if command -v xvfb-run > /dev/null && [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a dbus-run-session -- meson test -C build --print-errorlogs "$@"
fi
exec meson test -C build --print-errorlogs "$@"
