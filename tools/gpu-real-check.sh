#!/bin/sh
# On a GPU machine: the real Allegro configuration at full size with random
# weights of our own (no download): the memory plan, then a real render of
# 88 frames of 1280x720 with a few steps, printing the peak device memory
# beside the plan.  Writes ~16 GB of weights under $WORK (default /tmp).
#   tools/gpu-real-check.sh BIN DATA [STEPS]   (BIN: allegro-studio; DATA: tests/data)
set -eu
bin=$1 data=$2 steps=${3:-2}
work=${WORK:-/tmp}/allegro-real-random
cfg=$work.configs
rm -rf "$cfg" && mkdir -p "$cfg/text_encoder" "$cfg/transformer" "$cfg/vae" "$cfg/scheduler" "$cfg/tokenizer"
cp "$data/allegro-real/text_encoder.config.json" "$cfg/text_encoder/config.json"
cp "$data/allegro-real/transformer.config.json" "$cfg/transformer/config.json"
cp "$data/allegro-real/vae.config.json" "$cfg/vae/config.json"
cp "$data/allegro-tiny/model/scheduler/scheduler_config.json" "$cfg/scheduler/"
cp "$data/allegro-tiny/model/model_index.json" "$cfg/"
cp "$data/allegro-tiny/model/tokenizer/"* "$cfg/tokenizer/"
"$bin" generate --dry-run --model "$cfg" --budget-gb 24
[ -d "$work" ] || "$bin" make-random-model --configs "$cfg" --out "$work"
"$bin" generate --model "$work" --prompt "a red car on a coastal road" --steps "$steps" --seed 1 --out "$work.out"
