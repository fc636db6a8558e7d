#!/bin/sh
# The checks that need a GPU, for a session lent the GPU machine: build the
# bundle here (tools/make-gpu-bundle.sh), then run one part per device call
# (each fits the 10-minute limit), carrying .gl and gpu-bundle:
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; sh tools/gpu-session.sh engine
#   part engine  the engine tests (and again with the tensor-core attention
#                kernel), `devices`, bench ops beside PyTorch (issue 2), and
#                the demo render beside PyTorch on CUDA (issue 7)
#   part real    the real Allegro configuration at full size (issue 3)
# Each part's logs go to $OUT (the device tool's folder) or /tmp/gpu-session.
set -u
cd "$(dirname "$0")/.."
part=${1:-engine}
out=${OUT:-/tmp/gpu-session}
mkdir -p "$out"
b=gpu-bundle
export LD_LIBRARY_PATH="$PWD/$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ALLEGRO_TEST_DATA="$PWD/tests/data"
export PYTHONUNBUFFERED=1
if ! ldconfig -p | grep -q libvulkan; then
  echo "no Vulkan loader: unpack .gl/*.deb first (see the comment above)"; exit 1
fi
[ -x "$b/allegro-studio" ] || { echo "no $b/: run tools/make-gpu-bundle.sh here and carry it"; exit 1; }
step () { echo "== $*"; }

case $part in
engine)
  step devices; "$b/allegro-studio" devices 2>&1 | tee "$out/devices.txt"
  step engine tests; sh "$b/run-tests.sh" 2>&1 | tee "$out/tests.txt"
  step attention with the tensor-core kernel
  ALLEGRO_EXPERIMENTAL_ATTENTION_CM=1 "$b/test-attention" > "$out/attention-cm.txt" 2>&1
  cm_rc=$?
  grep -E "^FAIL|passed, .* failed" "$out/attention-cm.txt" | tail -n 25
  step bench ops, matmul and attention, beside PyTorch
  "$b/allegro-studio" bench ops --json --only matmul > "$out/bench-matmul.json" 2>&1
  "$b/allegro-studio" bench ops --json --only attention > "$out/bench-attention.json" 2>&1
  if [ $cm_rc -eq 0 ]; then
    ALLEGRO_EXPERIMENTAL_ATTENTION_CM=1 "$b/allegro-studio" bench ops --json --only attention \
      > "$out/bench-attention-cm.json" 2>&1
  fi
  python3 "$b/bench-torch.py" > "$out/bench-torch.jsonl" 2>&1
  python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
for name in ("bench-matmul.json", "bench-attention.json", "bench-attention-cm.json"):
    try:
        rows = json.load(open(out + "/" + name))
    except Exception as e:
        print(name, "unreadable:", e); continue
    for r in rows:
        print("ours  %-16s %-7s %-5s %-24s %8.1f TFLOP/s" % (r.get("op"), r.get("variant"), r.get("dtype"),
                                                            r.get("shape"), (r.get("gflops") or 0) / 1e3))
    print()
for line in open(out + "/bench-torch.jsonl"):
    print("torch", line.strip())
PY
  step demo render beside PyTorch on CUDA
  python3 tools/demo-model/bench_torch.py --exe "$b/allegro-studio" --device cuda --guidance 4 2>&1 \
    | tee "$out/demo-bench-f32.txt"
  python3 tools/demo-model/bench_torch.py --exe "$b/allegro-studio" --device cuda --guidance 4 --dtype auto \
    --skip-process 2>&1 | tee "$out/demo-bench-auto.txt"
  step profile of one demo render
  ALLEGRO_PROFILE=1 "$b/allegro-studio" generate --prompt "a red circle moving right on a black background" \
    --guidance 4 --seed 1 --out /tmp/profiled > "$out/profile.txt" 2>&1
  grep -v "^step" "$out/profile.txt" | head -n 30
  ;;
real)
  WORK=/tmp sh tools/gpu-real-check.sh "$b/allegro-studio" tests/data 2 2>&1 | tee "$out/real.txt"
  ;;
*)
  echo "usage: tools/gpu-session.sh engine|real"; exit 2
  ;;
esac
