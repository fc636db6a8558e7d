#!/bin/sh
# Runs spirv-val over every compiled kernel variant; fails on the first error.
# Usage: check-spirv.sh SPIRV_VAL SPV_DIR
set -eu
val=$1 dir=$2
n=0 bad=0
while read -r f; do
  n=$((n + 1))
  if "$val" --target-env vulkan1.2 "$dir/$f"; then
    echo "ok   $f"
  else
    echo "FAIL $f"
    bad=$((bad + 1))
  fi
done < "$dir/variants.txt"
[ "$n" -gt 0 ] || { echo "no variants were listed in $dir/variants.txt"; exit 1; }
echo "$((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
