#!/bin/sh
# Builds the engine alone (no GTK) and gathers what a GPU machine without our
# build dependencies needs to run its tests and benchmarks: the headless
# allegro-studio, the engine test programs, the shared libraries they link
# beyond glibc, and a script that runs them.
#
# Usage: tools/make-gpu-bundle.sh [DIR]   (default: gpu-bundle/)
set -eu
cd "$(dirname "$0")/.."
out=${1:-gpu-bundle}

[ -f build-gpu/build.ninja ] || meson setup build-gpu -Dengine_only=true -Dbuildtype=release > /dev/null
ninja -C build-gpu > /dev/null
rm -rf "$out"
mkdir -p "$out/lib"
cp build-gpu/app/allegro-studio "$out/"
for t in build-gpu/tests/engine/test-*; do
  if [ -f "$t" ] && [ -x "$t" ]; then cp "$t" "$out/"; fi
done
for lib in libopenblas.so.0 libcjson.so.1 libgfortran.so.5 libquadmath.so.0; do
  path=$(ldd build-gpu/app/allegro-studio | awk -v l="$lib" '$1 == l { print $3 }')
  if [ -n "$path" ]; then cp -L "$path" "$out/lib/"; fi
done
cp tools/bench-torch.py "$out/"
cp -r tests/data "$out/data"
cat > "$out/run-tests.sh" <<'RUN'
#!/bin/sh
# Runs every engine test program here; prints each one's summary line.
here=$(dirname "$0")
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ALLEGRO_TEST_DATA="$here/data"
status=0
for t in "$here"/test-*; do
  echo "== $(basename "$t")"
  "$t" > "/tmp/$(basename "$t").log" 2>&1
  rc=$?
  grep -E "^FAIL|passed, .* failed|SKIP" "/tmp/$(basename "$t").log" | tail -n 20
  [ $rc -eq 0 ] || status=1
done
exit $status
RUN
chmod +x "$out/run-tests.sh"
du -sh "$out"
