#!/bin/sh
# Builds the Debian package of Allegro Studio from a clean copy of the tree
# (dpkg-buildpackage -us -uc -b with packaging/debian), installs it with apt,
# and checks that the installed application works: --version, devices, the
# desktop file, metainfo, icon and GSettings schema in place, and the GUI
# starting under Xvfb on a temporary library without a critical or warning.
#
#   packaging/build-deb.sh [--purge] [OUT_DIR]
#
# OUT_DIR (default build-deb/) receives the .deb and the logs.  --purge
# removes the package again after the checks.  Needs root (apt-get), the
# build dependencies (tools/deps.sh installs them) and xvfb-run.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi

purge=0
if [ "${1:-}" = "--purge" ]; then
  purge=1
  shift
fi
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$src/build-deb}" && cd "${1:-$src/build-deb}" && pwd)
id=org.allegrostudio.AllegroStudio

version=$(sed -n '1s/^allegro-studio (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")
arch=$(dpkg --print-architecture)
work=$(mktemp -d "${TMPDIR:-/tmp}/allegro-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/allegro-studio-$version"
mkdir -p "$tree"

now () { date +%s; }
fail () {
  echo "build-deb: FAIL: $*" >&2
  exit 1
}

# ---- a clean copy: the files git knows (tracked or not ignored) ----
t0=$(now)
if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
  git -C "$src" ls-files --cached --others --exclude-standard | while IFS= read -r f; do
    [ -f "$src/$f" ] && printf '%s\n' "$f"
  done > "$work/files"
  tar -C "$src" -cf - -T "$work/files" | tar -C "$tree" -xf -
else
  tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$tree" -xf -
fi
rm -rf "$tree/debian"
cp -r "$src/packaging/debian" "$tree/debian"
echo "build-deb: copied the tree ($(wc -l < "$work/files" 2> /dev/null || echo '?') files) in $(($(now) - t0)) s"

# ---- build ----
if ! (cd "$tree" && dpkg-checkbuilddeps > /dev/null 2>&1); then
  echo "build-deb: installing the missing build dependencies"
  (cd "$tree" && dpkg-checkbuilddeps) || true
  apt-get install -y -qq --no-install-recommends \
    $(cd "$tree" && dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g') \
    > /dev/null
fi
t0=$(now)
echo "build-deb: dpkg-buildpackage -us -uc -b (log: $out/build.log)"
if ! (cd "$tree" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
  tail -n 60 "$out/build.log"
  fail "dpkg-buildpackage failed (see $out/build.log)"
fi
build_s=$(($(now) - t0))
deb="$work/allegro-studio_${version}_$arch.deb"
[ -f "$deb" ] || fail "no $deb was made"
cp "$deb" "$out/"
deb="$out/allegro-studio_${version}_$arch.deb"
echo "build-deb: built $deb ($(du -h "$deb" | cut -f1)) in $build_s s"

# ---- install ----
t0=$(now)
apt-get install -y -qq --no-install-recommends "$deb" > "$out/install.log" 2>&1 \
  || { cat "$out/install.log"; fail "apt-get install $deb failed"; }
echo "build-deb: installed in $(($(now) - t0)) s"

# ---- the installed application ----
passed=0
failed=0
check () {
  if eval "$2"; then
    echo "ok   $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1"
    failed=$((failed + 1))
  fi
}
bin=/usr/bin/allegro-studio
check "allegro-studio is installed in /usr/bin" "[ -x $bin ]"
check "allegro-studio --version says $version" "$bin --version | grep -q '$version'"
check "allegro-studio devices lists a Vulkan device" "$bin devices > '$out/devices.log' 2>&1"
check "the desktop file is in place and valid" \
  "desktop-file-validate /usr/share/applications/$id.desktop"
check "the metainfo is in place" "[ -f /usr/share/metainfo/$id.metainfo.xml ]"
check "the icon is in place" "[ -f /usr/share/icons/hicolor/scalable/apps/$id.svg ]"
check "the symbolic icon is in place" "[ -f /usr/share/icons/hicolor/symbolic/apps/$id-symbolic.svg ]"
check "the GSettings schema is installed and compiled" "gsettings list-keys $id | grep -qx model-dir"
if [ -d "$src/resources/demo-model" ]; then
  check "the demo model is installed" "[ -f /usr/share/allegro-studio/demo-model/model_index.json ]"
fi

# The GUI on a temporary library, with its own home: it must still run
# after 6 s (the inner timeout stops it: 124), create the library and print
# no critical or warning (criticals are fatal).
home="$work/home"
mkdir -p "$home"
library="$work/library"
t0=$(now)
set +e
HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache" \
  GSETTINGS_BACKEND=keyfile G_DEBUG=fatal-criticals \
  timeout 30 xvfb-run -a dbus-run-session -- timeout 6 $bin --library "$library" > "$out/gui.log" 2>&1
gui_status=$?
set -e
# dbus-daemon's own notes (fd limits, activations) are not the app's.
grep -v '^dbus-daemon\|^SpiRegistry\|org.a11y' "$out/gui.log" > "$work/gui-app.log" || true
check "the GUI runs until stopped (exit $gui_status, 124 expected)" "[ $gui_status -eq 124 ]"
check "the GUI created the library" "[ -f '$library/library.sqlite' ]"
check "the GUI printed no critical, warning or error" \
  "! grep -Eiq 'critical|warning|error' '$work/gui-app.log'"
if [ -s "$work/gui-app.log" ]; then
  echo "--- the GUI printed:"
  cat "$work/gui-app.log"
fi
echo "build-deb: GUI check in $(($(now) - t0)) s"

if [ $purge -eq 1 ]; then
  apt-get purge -y -qq allegro-studio > /dev/null
  echo "build-deb: purged allegro-studio"
fi
echo "build-deb: $passed passed, $failed failed; package build $build_s s"
[ $failed -eq 0 ]
