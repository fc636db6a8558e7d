#!/bin/sh
# allegro-studio export and import: a take is exported only when approved (or
# as a DRAFT), by a manager or admin, with its provenance and approvals inside
# the file, read back by ffprobe and `provenance`; refusals are audited;
# import probes the file and rejects what it cannot decode.
set -u
bin=$1
pass=0 fail=0
check () { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lib="$tmp/lib"
s () { "$bin" --library "$lib" "$@"; }

# Footage to import: 24 frames of 64x48 from our own encoder, through generate.
"$bin" generate --model "$ALLEGRO_TEST_DATA/allegro-tiny/model" --prompt "a red square" --frames 24 --width 64 \
  --height 48 --steps 2 --seed 3 --out "$tmp/clip.mp4" > /dev/null 2>&1
s init --admin ada > /dev/null && s member add lena --role legal --as ada > /dev/null \
  && s member add max --role manager --as ada > /dev/null && s member add cleo --role creative --as ada > /dev/null \
  && s project add spot --as cleo > /dev/null
json=$(s import spot "$tmp/clip.mp4" --as cleo --json); rc=$?
check "import probes the file (64x48, 24 frames, h264)" "[ $rc -eq 0 ] && echo \"\$json\" | python3 -c '
import json, sys
p = json.load(sys.stdin)[\"probe\"]
assert (p[\"width\"], p[\"height\"], p[\"frames\"], p[\"codec\"]) == (64, 48, 24, \"h264\"), p'"
head -c 3000 "$tmp/clip.mp4" > "$tmp/cut.mp4"
out=$(s import spot "$tmp/cut.mp4" --as cleo 2>&1); rc=$?
check "a truncated file is not imported (non-zero, names the file)" "[ $rc -ne 0 ] && echo \"\$out\" | grep -q cut.mp4"
check "... and no take was added" "[ \$(s takes --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -eq 1 ]"

out=$(s export 1 --out "$tmp/a.mp4" --as max 2>&1); rc=$?
check "export of a take that is not approved is refused" "[ $rc -ne 0 ] && echo \"\$out\" | grep -q 'not approved'"
check "... leaving no file" "[ ! -e $tmp/a.mp4 ]"
out=$(s export 1 --out "$tmp/d.mp4" --as max --draft --json); rc=$?
check "--draft exports it, marked draft" "[ $rc -eq 0 ] && echo \"\$out\" | grep -q '\"draft\":.*true' && [ -s $tmp/d.mp4 ]"
check "... and its provenance says DRAFT-labelled" "\"$bin\" provenance $tmp/d.mp4 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"export\"][\"label_draft\"] is True, d'"

s review 1 --decision approved --as lena > /dev/null
out=$(s export 1 --out "$tmp/b.mp4" --as cleo 2>&1); rc=$?
check "a creative may not export (refused)" "[ $rc -ne 0 ] && echo \"\$out\" | grep -q refused"
s export 1 --out "$tmp/b.mp4" --as max > /dev/null; rc=$?
probe=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=codec_name,nb_read_frames,width,height \
  -of csv=p=0 "$tmp/b.mp4")
check "an approved take exports: h264 64x48, 24 frames ($probe)" "[ $rc -eq 0 ] && [ \"$probe\" = 'h264,64,48,24' ]"
check "... with the approval (who, role, when) and the take id inside" "\"$bin\" provenance $tmp/b.mp4 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = d[\"approvals\"][0]
assert a[\"name\"] == \"lena\" and a[\"role\"] == \"legal\" and a[\"decision\"] == \"approved\" and a[\"time\"], d
assert d[\"take_id\"] == \"1\" and d[\"review_status\"] == \"approved\", d'"
s export 1 --out "$tmp/b.webm" --format webm --as max > /dev/null; rc=$?
check "webm export (vp9)" "[ $rc -eq 0 ] && ffprobe -v error -show_entries stream=codec_name -of csv=p=0 $tmp/b.webm | grep -q vp9"
audit=$(s audit)
check "the audit log has the exports and the refusals" \
  "[ \$(echo \"\$audit\" | grep -c exported) -eq 3 ] && [ \$(echo \"\$audit\" | grep -c refused) -ge 2 ]"
check "the audit chain is intact" "s audit verify > /dev/null"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
