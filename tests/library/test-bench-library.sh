#!/bin/sh
# allegro-studio bench library: a smoke test of the report on a small
# library (figures are printed, never asserted; only the report's shape is).
set -u
bin=$1
out=$("$bin" bench library --takes 400 --json) || { echo "FAIL bench library exited non-zero"; exit 1; }
echo "$out"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for key in ("takes", "reviews", "build_seconds", "needs_review_ms", "needs_review_rows", "search_ms", "search_rows"):
    assert key in d, key
assert d["takes"] == 400 and d["reviews"] == 1200, d
assert d["needs_review_ms"] > 0 and d["search_ms"] > 0, d
assert d["search_rows"] > 0, d
print("ok   bench library --json reports the build and both queries")
' || exit 1
text=$("$bin" bench library --takes 50) || { echo "FAIL bench library (text) exited non-zero"; exit 1; }
echo "$text"
echo "$text" | grep -q "needing review" && echo "$text" | grep -q "full-text search" || { echo "FAIL text report"; exit 1; }
echo "ok   bench library prints a table"
