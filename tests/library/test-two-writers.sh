#!/bin/sh
# Two programs writing to one library at once, as the window and the command
# line do: library-writer imports through the asynchronous calls (the
# window's way in) while the command line imports and tags in two loops.
# Every write lands, none is lost, and no "database is locked" reaches
# anyone.
set -u
bin=$1
writer=$2
tmp=$(mktemp -d)
# Footage the import can probe: a few frames of a test pattern, made distinct
# by a comment tag.
mkclip () { ffmpeg -v error -f lavfi -i testsrc=size=64x48:rate=15 -frames:v 4 -metadata comment="$2" \
  -c:v libx264 -pix_fmt yuv420p -y "$1"; }
trap 'rm -rf "$tmp"' EXIT
lib=$tmp/lib
pass=0 fail=0
check () { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
count () { python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$lib/library.sqlite" "$1"; }
n_async=60 n_cli=30

"$bin" --library "$lib" init --admin root > /dev/null
"$bin" --library "$lib" member add writer --role creative --as root > /dev/null
"$bin" --library "$lib" member add max --role manager --as root > /dev/null
"$bin" --library "$lib" project add Crash --as writer > /dev/null
mkclip "$tmp/first.mp4" 1000
"$bin" --library "$lib" import Crash "$tmp/first.mp4" --as writer > /dev/null

"$writer" "$lib" $n_async --async > "$tmp/writer.out" 2> "$tmp/writer.err" &
writer_pid=$!
(
  i=0
  while [ $i -lt $n_cli ]; do
    mkclip "$tmp/cli-$i.mp4" "cli-$i"
    "$bin" --library "$lib" import Crash "$tmp/cli-$i.mp4" --as writer > /dev/null 2>> "$tmp/cli.err" || echo "import $i failed" >> "$tmp/cli.fail"
    i=$((i + 1))
  done
) &
imports_pid=$!
(
  i=0
  while [ $i -lt $n_cli ]; do
    "$bin" --library "$lib" tag 1 "word$i" --as max > /dev/null 2>> "$tmp/cli.err" || echo "tag $i failed" >> "$tmp/cli.fail"
    i=$((i + 1))
  done
) &
tags_pid=$!
wait $writer_pid
writer_rc=$?
wait $imports_pid
wait $tags_pid

check "the asynchronous writer finished cleanly" "[ $writer_rc -eq 0 ] && [ ! -s '$tmp/writer.err' ]"
check "every command-line write succeeded" "[ ! -e '$tmp/cli.fail' ]"
check "no error reached anyone" "! cat '$tmp/cli.err' '$tmp/writer.err' | grep -qi 'locked\|busy\|error'"
check "the writer reported all its takes" "[ \$(grep -c '^done' '$tmp/writer.out') -eq $n_async ]"
check "no take was lost" "[ \$(count 'SELECT count(*) FROM takes') -eq $((1 + n_async + n_cli)) ]"
check "no tag was lost" "[ \$(count 'SELECT count(*) FROM tags') -eq $n_cli ]"
check "each write is audited once" "[ \$(count \"SELECT count(*) FROM audit WHERE action = 'take-imported'\") -eq $((1 + n_async + n_cli)) ]"
"$bin" --library "$lib" audit verify > /dev/null
check "the audit chain is intact" "[ $? -eq 0 ]"
"$bin" --library "$lib" check > /dev/null
check "the library checks out (integrity, media)" "[ $? -eq 0 ]"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
