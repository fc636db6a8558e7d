#!/bin/sh
# allegro-studio check-fixtures: the shipped golden fixtures pass in f32, f16
# and bf16 on this machine's Vulkan device, and the checker does fail on a
# wrong reference, a case it cannot run, and a broken model folder.
set -u
bin=$1
data=$2
pass=0 fail=0
check () { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for dtype in f32 f16 bf16; do
  out=$("$bin" check-fixtures "$data" --dtype $dtype 2>&1); rc=$?
  echo "$out" | grep -E '^case|=>|FAIL|CANNOT|passed'
  check "check-fixtures --dtype $dtype exits 0" "[ $rc -eq 0 ]"
  check "check-fixtures --dtype $dtype: 11 of 11 cases passed" "echo \"\$out\" | grep -q '11 of 11 cases passed'"
done

# A reference that is wrong by 1% must fail: scale out.sample of dit_forward.
mkdir -p "$tmp/bad/cases"
ln -s "$(cd "$data" && pwd)/model" "$tmp/bad/model"
cp "$data/cases/dit_forward.README.json" "$tmp/bad/cases/"
python3 - "$data/cases/dit_forward.safetensors" "$tmp/bad/cases/dit_forward.safetensors" <<'PY'
import json, struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
lo, hi = h['out.sample']['data_offsets']
base = 8 + n
vals = struct.unpack('<%df' % ((hi - lo) // 4), b[base + lo:base + hi])
b[base + lo:base + hi] = struct.pack('<%df' % len(vals), *[v * 1.01 for v in vals])
open(sys.argv[2], 'wb').write(b)
PY
out=$("$bin" check-fixtures "$tmp/bad" 2>&1); rc=$?
check "a 1% wrong reference fails (non-zero exit)" "[ $rc -ne 0 ]"
check "... and says FAIL for out.sample" "echo \"\$out\" | grep 'out.sample' | grep -q FAIL"

# A case nobody can run.
printf '{"case": "no_such_case", "file": "dit_forward.safetensors"}' > "$tmp/bad/cases/zz.README.json"
out=$("$bin" check-fixtures "$tmp/bad" --case no_such_case 2>&1); rc=$?
check "an unknown case cannot run (non-zero exit)" "[ $rc -ne 0 ] && echo \"\$out\" | grep -q 'CANNOT RUN'"

# A model folder without its transformer weights.
mkdir -p "$tmp/broken"
cp -r "$data/model" "$tmp/broken/model"
chmod -R u+w "$tmp/broken"
mkdir -p "$tmp/broken/cases"
rm "$tmp/broken/model/transformer/diffusion_pytorch_model.safetensors"
out=$("$bin" check-fixtures "$tmp/broken" 2>&1); rc=$?
check "a folder without transformer weights: non-zero exit naming the folder" \
  "[ $rc -ne 0 ] && echo \"\$out\" | grep -q 'transformer'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
