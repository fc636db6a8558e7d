#!/bin/sh
# Builds the model loaders' fuzz targets with clang (libFuzzer, ASan, UBSan)
# and fuzzes each for a while, starting from the committed corpus.
#
#   tests/fuzz/run.sh [SECONDS-PER-TARGET (30)] [BUILD-FOLDER (build-fuzz)]
#
# Exits non-zero when a target crashes, leaks or breaks an invariant; the
# input that did it is kept in BUILD-FOLDER/artifacts/.  Inputs the fuzzer
# finds go to BUILD-FOLDER/corpus/<target>/ (copy the useful ones into
# tests/fuzz/corpus/<target>/ to keep them).  Exits 77 when clang cannot
# build fuzzers (apt install clang libclang-rt-14-dev).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
out=${2:-$root/build-fuzz}
cc=${FUZZ_CC:-clang}
cxx=${FUZZ_CXX:-clang++}
targets="safetensors model-folder tokenizer"

mkdir -p "$out/obj" "$out/artifacts"
if ! command -v "$cc" > /dev/null || ! command -v "$cxx" > /dev/null; then
  echo "SKIP: $cc/$cxx not found (apt install clang libclang-rt-14-dev)"
  exit 77
fi
printf 'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n) { return 0; }\n' > "$out/obj/probe.c"
if ! "$cc" -fsanitize=fuzzer "$out/obj/probe.c" -o "$out/obj/probe" 2> /dev/null; then
  echo "SKIP: $cc cannot link -fsanitize=fuzzer (apt install libclang-rt-14-dev)"
  exit 77
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wno-unused-parameter $san -fsanitize=fuzzer-no-link"
cflags="$cflags -I$root/engine -I$root/engine/models -I$root/tests/fuzz"
# The loaders need no Vulkan: these are all the engine files they use.
sources="engine/ae-common.c engine/models/ae-safetensors.c engine/models/ae-model-folder.c engine/models/ae-prompt.c"
sources="$sources tests/fuzz/fuzz-common.c"

objects=""
for src in $sources; do
  obj="$out/obj/$(basename "$src" .c).o"
  # shellcheck disable=SC2086
  "$cc" $cflags -c "$root/$src" -o "$obj"
  objects="$objects $obj"
done
# shellcheck disable=SC2086
"$cxx" -g -O1 -std=c++17 -D_GNU_SOURCE $san -fsanitize=fuzzer-no-link -I"$root/engine" -I"$root/engine/models" \
  -c "$root/engine/models/ae-tokenizer.cc" -o "$out/obj/ae-tokenizer.o"
objects="$objects $out/obj/ae-tokenizer.o"

for t in $targets; do
  # shellcheck disable=SC2086
  "$cc" $cflags -c "$root/tests/fuzz/fuzz-$t.c" -o "$out/obj/fuzz-$t.o"
  # shellcheck disable=SC2086
  "$cxx" -g $san -fsanitize=fuzzer "$out/obj/fuzz-$t.o" $objects -lcjson -lsentencepiece -lm -o "$out/fuzz-$t"
done
echo "run.sh: built $targets in $out"

export ALLEGRO_TEST_DATA="$root/tests/data"
status=0
for t in $targets; do
  mkdir -p "$out/corpus/$t"
  echo "run.sh: fuzzing $t for ${seconds}s"
  # The weight headers of the tiny model reach 55 kB.
  if ! "$out/fuzz-$t" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
    "$out/corpus/$t" "$root/tests/fuzz/corpus/$t" > "$out/fuzz-$t.log" 2>&1; then
    echo "run.sh: FAIL $t (see $out/fuzz-$t.log and $out/artifacts/)"
    tail -n 40 "$out/fuzz-$t.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$out/fuzz-$t.log" | sed "s/^/run.sh: $t /"
  fi
done
exit $status
