#!/bin/sh
# allegro-studio bench ops --quick --json: a smoke test of the benchmark
# report (figures are printed, never asserted: only the report's shape is).
set -u
bin=$1
out=$("$bin" bench ops --quick --json --seconds 0.02 2>/tmp/bench-err.$$); rc=$?
if [ $rc -ne 0 ] && grep -q "No Vulkan device" /tmp/bench-err.$$; then
  echo "SKIP: no Vulkan device"; rm -f /tmp/bench-err.$$; exit 77
fi
cat /tmp/bench-err.$$ >&2; rm -f /tmp/bench-err.$$
echo "$out" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
passed = failed = 0
def check(name, condition):
    global passed, failed
    print(("ok   " if condition else "FAIL ") + name)
    if condition: passed += 1
    else: failed += 1
check("bench ops --json is a non-empty list", isinstance(rows, list) and len(rows) > 0)
check("no case failed", all("error" not in r for r in rows))
for key in ("op", "dtype", "shape", "seconds", "gflops"):
    check("every row has %s" % key, all(key in r for r in rows))
check("every time is positive", all(r.get("seconds", 0) > 0 for r in rows if "error" not in r))
matmul = [r for r in rows if r.get("op") == "matmul"]
check("matmul is benchmarked", len(matmul) > 0)
cpu = any("ratio_vs_openblas" in r for r in rows)
if cpu:
    check("on a CPU device, f32 matmul is compared with OpenBLAS",
          any(r.get("ratio_vs_openblas") for r in matmul if r.get("dtype") == "f32"))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
'
s=$?
[ $rc -eq 0 ] || { echo "bench exited with $rc"; exit 1; }
exit $s
