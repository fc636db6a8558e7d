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

# No OpenBLAS: it only times sgemm on CPU devices, and its 35 MB would take
# half of what may travel to the GPU machine.
reconfigure=
[ -f build-gpu/build.ninja ] && reconfigure=--reconfigure
meson setup $reconfigure build-gpu -Dengine_only=true -Dbuildtype=release -Dopenblas=disabled > /dev/null
ninja -C build-gpu > /dev/null
rm -rf "$out"
mkdir -p "$out/lib"
cp build-gpu/app/allegro-studio "$out/"
for t in build-gpu/tests/engine/test-*; do
  if [ -f "$t" ] && [ -x "$t" ]; then cp "$t" "$out/"; fi
done
# Every library the programs link but glibc's own and the Vulkan loader (the
# GPU machine brings its own loader, and its glibc is what runs the rest).
for exe in "$out"/allegro-studio "$out"/test-*; do
  ldd "$exe" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }'
done | sort -u | while read -r name path; do
  case $name in
    libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|ld-linux*|libvulkan.so.*) ;;
    *) cp -L "$path" "$out/lib/" ;;
  esac
done
cp tools/bench-torch.py "$out/"
cat > "$out/run-tests.sh" <<'RUN'
#!/bin/sh
# Runs every engine test program here; prints each one's summary line.
here=$(dirname "$0")
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The test data travels with the working tree, beside the bundle.
export ALLEGRO_TEST_DATA="${ALLEGRO_TEST_DATA:-$here/../tests/data}"
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
