#!/bin/sh
# The C sources follow .clang-format (GNOME style); this fails on any file
# clang-format would change, and names it.  Fix with: clang-format -i FILE
set -u
cd "$(dirname "$0")/.."
if ! command -v clang-format > /dev/null; then
  echo "SKIP: clang-format is not installed (apt install clang-format)"
  exit 77
fi
files=$(find app engine ui tests -name '*.[ch]' | sort)
pass=0 fail=0
for f in $files; do
  if clang-format --dry-run --Werror "$f" > /dev/null 2>&1; then
    pass=$((pass + 1))
  else
    echo "FAIL $f is not formatted (clang-format -i $f)"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
