#!/bin/sh
# allegro-studio devices: text and JSON name a device and its kernels, and a
# machine with no Vulkan loader gets a sentence saying what to install.
set -u
bin=$1
pass=0 fail=0
check () { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }

out=$("$bin" devices 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "No Vulkan device"; then
  echo "SKIP: $out"; exit 77
fi
check "devices exits 0" "[ $rc -eq 0 ]"
check "devices names a device and its kernels" "echo \"\$out\" | grep -q 'kernels:'"
json=$("$bin" devices --json)
check "devices --json is JSON with the fields" "echo \"\$json\" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list) and d
for k in (\"name\", \"type\", \"driver\", \"api_version\", \"memory_heaps\", \"subgroup_size\", \"fp16\",
          \"storage_16bit\", \"int8\", \"cooperative_matrix\", \"kernels\", \"variants\"):
    assert k in d[0], k
assert sum(1 for x in d if x[\"default\"]) == 1
'"
# No loader at all: ALLEGRO_VULKAN_LOADER points at a file that is not there.
nv=$(ALLEGRO_VULKAN_LOADER=/nonexistent/libvulkan.so.1 "$bin" devices 2>&1); rc=$?
check "no loader: non-zero exit" "[ $rc -ne 0 ]"
check "no loader: says what to install" "echo \"\$nv\" | grep -q 'apt install'"
# No driver: point the loader at an empty ICD list.
nd=$(VK_DRIVER_FILES=/nonexistent.json VK_ICD_FILENAMES=/nonexistent.json "$bin" devices 2>&1); rc=$?
check "no driver: non-zero exit" "[ $rc -ne 0 ]"
check "no driver: says what to install" "echo \"\$nd\" | grep -qi 'install'"
# An unknown ALLEGRO_DEVICE is a clear error.
bad=$(ALLEGRO_DEVICE="no such gpu" "$bin" devices 2>&1); rc=$?
check "unknown ALLEGRO_DEVICE: non-zero exit and a sentence" "[ $rc -ne 0 ] && echo \"\$bad\" | grep -q 'no such gpu'"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
