#!/bin/sh
# allegro-studio bench render: the warm-render benchmark's report (figures are
# printed, never asserted: only their shape and consistency are), and
# ALLEGRO_PROFILE's per-kernel table, which must not change what is rendered.
set -u
bin=$1
data=$2
pass=0 fail=0
check () { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model="$data/allegro-tiny/model"

"$bin" bench render --model "$model" --frames 16 --size 64 --steps 2 --repeat 2 --json > "$tmp/json" 2> "$tmp/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "No Vulkan device" "$tmp/err"; then
  echo "SKIP: no Vulkan device"; exit 77
fi
cat "$tmp/err" "$tmp/json"
check "bench render --json exits 0" "[ $rc -eq 0 ]"
check "its report: device, dtype, size, the best of the runs, a split that fits in it, the setup" "python3 -c '
import json, sys
r = json.load(open(\"$tmp/json\"))
assert r[\"device\"] and r[\"dtype\"] in (\"f32\", \"f16\", \"bf16\"), r
assert (r[\"frames\"], r[\"size\"], r[\"steps\"]) == (16, 64, 2), r
assert len(r[\"runs\"]) == 2 and all(t > 0 for t in r[\"runs\"]) and r[\"seconds\"] == min(r[\"runs\"]), r
s = r[\"split\"]
assert all(s[k] >= 0 for k in (\"text\", \"denoise\", \"decode\")), s
assert s[\"text\"] + s[\"denoise\"] + s[\"decode\"] <= r[\"seconds\"] * 1.001, r
assert r[\"setup_seconds\"] > 0, r
'"
out=$("$bin" bench render --model "$model" --frames 16 --size 64 --steps 2 --repeat 1 2>&1); rc=$?
check "the text report names the render and the setup" \
  "[ $rc -eq 0 ] && echo \"\$out\" | grep -q '^render .* best of 1' && echo \"\$out\" | grep -q '^setup '"
out=$("$bin" bench render --model "$model" --steps 0 2>&1); rc=$?
check "--steps 0 is refused with the usage" "[ $rc -eq 2 ] && echo \"\$out\" | grep -q 'bench render \\[--model'"
out=$("$bin" bench render --model "$tmp/nothing" --steps 1 --repeat 1 2>&1); rc=$?
check "a missing model folder: non-zero exit naming it" "[ $rc -ne 0 ] && echo \"\$out\" | grep -q '$tmp/nothing'"

gen () { "$bin" generate --model "$model" --frames 16 --width 64 --height 48 --steps 2 --seed 3 --prompt "a red square" "$@"; }
gen --out "$tmp/plain" > /dev/null 2>&1
ALLEGRO_PROFILE=1 gen --out "$tmp/profiled" > "$tmp/log" 2>&1; rc=$?
cat "$tmp/log"
check "ALLEGRO_PROFILE=1 generate exits 0" "[ $rc -eq 0 ]"
check "... and renders the same frames as without it" \
  "cmp -s $tmp/plain/frame-0001.png $tmp/profiled/frame-0001.png && cmp -s $tmp/plain/frame-0016.png $tmp/profiled/frame-0016.png"
check "its table accounts for every dispatch, and names the matmul, attention and convolution kernels" "python3 -c '
import re
lines = open(\"$tmp/log\").read().splitlines()
head = [i for i, l in enumerate(lines) if l.startswith(\"profile of a stream\")]
assert len(head) == 1, head
total = int(re.search(r\": (\d+) dispatches\", lines[head[0]]).group(1))
rows = []
for l in lines[head[0] + 2:]:
    f = l.split()
    if len(f) != 6 or not f[1].isdigit():
        break
    rows.append((f[0], int(f[1]), float(f[2]), float(f[4].rstrip(\"%\"))))
assert sum(r[1] for r in rows) == total > 0, (total, rows)
assert abs(sum(r[3] for r in rows) - 100) < 1, rows
assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True), rows
names = \" \".join(r[0] for r in rows)
for k in (\"matmul_\", \"flash_\", \"conv_\"):
    assert k in names, names
'"
check "without it, no table" "! gen --out $tmp/again 2>&1 | grep -q 'profile of a stream'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
