#!/bin/sh
# Runs a GTK test program on the current display, or under its own Xvfb when
# there is none; skips (77) only when neither exists.
set -u
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$@"
fi
if command -v xvfb-run > /dev/null; then
  exec xvfb-run -a "$@"
fi
echo "SKIP: no display and no xvfb-run (apt install xvfb)"
exit 77
