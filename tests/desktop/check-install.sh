#!/bin/sh
# `meson install --destdir` into a temporary folder installs every file the
# desktop needs: the binary, the desktop file, the metainfo, both icons, the
# GSettings schema (which must compile) and, when the source tree has it,
# the demo model.  The installed desktop file and metainfo validate too.
#   check-install.sh BUILD_DIR SOURCE_DIR PREFIX BINDIR DATADIR
set -u
build=$1
source=$2
prefix=$3
bindir=$4
datadir=$5
id=org.allegrostudio.AllegroStudio

dest=$(mktemp -d "${TMPDIR:-/tmp}/allegro-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT

# Relative bindir/datadir are under the prefix; absolute ones stand alone.
case $bindir in /*) bin=$dest$bindir ;; *) bin=$dest$prefix/$bindir ;; esac
case $datadir in /*) data=$dest$datadir ;; *) data=$dest$prefix/$datadir ;; esac

if ! meson install -C "$build" --no-rebuild --destdir "$dest" > "$dest.log" 2>&1; then
  cat "$dest.log"
  rm -f "$dest.log"
  echo "FAIL: meson install --destdir failed"
  exit 1
fi
rm -f "$dest.log"

failed=0
expect () {
  if [ -e "$1" ]; then
    echo "ok   installed: ${1#"$dest"}"
  else
    echo "FAIL missing:   ${1#"$dest"}"
    failed=1
  fi
}
expect "$bin/allegro-studio"
expect "$data/applications/$id.desktop"
expect "$data/metainfo/$id.metainfo.xml"
expect "$data/icons/hicolor/scalable/apps/$id.svg"
expect "$data/icons/hicolor/symbolic/apps/$id-symbolic.svg"
expect "$data/glib-2.0/schemas/$id.gschema.xml"
if [ -d "$source/resources/demo-model" ]; then
  expect "$data/allegro-studio/demo-model/model_index.json"
  expect "$data/allegro-studio/demo-model/transformer/config.json"
else
  echo "note no demo model in the source tree (resources/demo-model): not checked"
fi

if [ -x "$bin/allegro-studio" ]; then
  version=$("$bin/allegro-studio" --version 2>&1)
  case $version in
    *[0-9].[0-9]*) echo "ok   the installed binary runs: $version" ;;
    *) echo "FAIL the installed binary's --version printed: $version"; failed=1 ;;
  esac
fi
if [ -f "$data/glib-2.0/schemas/$id.gschema.xml" ]; then
  if glib-compile-schemas --strict --dry-run "$data/glib-2.0/schemas"; then
    echo "ok   the installed schema compiles"
  else
    echo "FAIL the installed schema does not compile"
    failed=1
  fi
fi
if command -v desktop-file-validate > /dev/null && [ -f "$data/applications/$id.desktop" ]; then
  # The Exec line names the binary installed beside it.
  if grep -qx "Exec=allegro-studio" "$data/applications/$id.desktop"; then
    echo "ok   the desktop file starts allegro-studio"
  else
    echo "FAIL the desktop file's Exec line is not allegro-studio"
    failed=1
  fi
fi
exit $failed
