#!/bin/sh
# allegro-studio's library commands, run as a user would: the happy path
# with text and JSON read back, roles refused and recorded, the audit chain
# checked and then broken by hand, and bad input of every kind (unknown
# takes, invalid UTF-8, SQL metacharacters, oversized text, files that are
# not libraries): a clear error, a non-zero exit, nothing lost.
set -u
bin=$1
tmp=$(mktemp -d)
# Footage the import can probe: a few frames of a test pattern, made distinct
# by a comment tag.
mkclip () { ffmpeg -v error -f lavfi -i testsrc=size=64x48:rate=15 -frames:v 4 -metadata comment="$2" \
  -c:v libx264 -pix_fmt yuv420p -y "$1"; }
trap 'rm -rf "$tmp"' EXIT
lib=$tmp/lib
pass=0 fail=0
check () { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
# Runs the binary on the test library; stdout in $out, stderr in $err, status in $rc.
run () { "$bin" --library "$lib" "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err"); }
json () { printf '%s' "$out" | python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
count () { python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$lib/library.sqlite" "$1"; }

# No library yet.
run takes
check "takes without a library: non-zero exit" "[ $rc -ne 0 ]"
check "takes without a library: says how to make one" "echo \"\$err\" | grep -q 'init --admin'"
check "no folder was created for it" "[ ! -e '$lib' ]"

# Setting up.
run init --admin root
check "init exits 0" "[ $rc -eq 0 ]"
check "init made library.sqlite and media/" "[ -f '$lib/library.sqlite' ] && [ -d '$lib/media' ]"
run init --admin root
check "init twice: non-zero exit, nothing overwritten" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'already set up'"
for m in "alice creative" "lena legal" "omar legal" "max manager"; do
  set -- $m
  run member add "$1" --role "$2" --as root
  check "member add $1 as $2" "[ $rc -eq 0 ]"
done
run member add eve --role admin --as alice
check "member add by a creative: refused" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'refused'"
run member add eve --role wizard --as root
check "member add with an unknown role: usage error" "[ $rc -eq 2 ]"
run member list --json
check "member list --json: 5 members with roles" "json 'len(d) == 5 and {m[\"role\"] for m in d} == {\"admin\", \"creative\", \"legal\", \"manager\"}'"
run project add "Spring launch" --brief "Thirty seconds for the spring range" --as alice
check "project add" "[ $rc -eq 0 ]"
run project add "Spring launch" --as alice
check "project add twice: non-zero exit" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'already a project'"

# Importing footage.
mkclip "$tmp/harbour.mp4" 40000
run import "Spring launch" "$tmp/harbour.mp4" --as alice --source "Stock Co" --licence "CC-BY 4.0"
check "import prints the new take's id" "[ $rc -eq 0 ] && [ \"\$out\" = 1 ]"
hash=$(sha256sum "$tmp/harbour.mp4" | cut -c1-64)
check "the file is stored under its SHA-256" "cmp -s '$tmp/harbour.mp4' '$lib/media/$hash.mp4'"
run import "Spring launch" "$tmp/harbour.mp4" --as alice --title "Harbour, again" --json
check "import --json gives an object with id" "[ $rc -eq 0 ] && json 'd[\"id\"] == 2 and d[\"title\"] == \"Harbour, again\"'"
run import "Spring launch" "$tmp/missing.mp4" --as alice
check "import of a missing file: non-zero exit naming it" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q missing.mp4"
run import "No such project" "$tmp/harbour.mp4" --as alice
check "import into an unknown project: non-zero exit naming it" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'No such project'"
run import "Spring launch" "$tmp/harbour.mp4" --as lena
check "import by a legal reviewer: refused" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q refused"

# Listing.
run takes --json
check "takes --json: an array with id, project, title, kind, status" "json 'len(d) == 2 and all(k in t for t in d for k in (\"id\", \"project\", \"title\", \"kind\", \"status\"))'"
check "new takes need review" "json 'all(t[\"status\"] == \"needs-review\" and t[\"kind\"] == \"imported\" for t in d)'"
run takes
check "takes as text names the take" "[ $rc -eq 0 ] && echo \"\$out\" | grep -q 'Harbour, again'"

# Reviewing.
run review 1 --decision approved --as alice
check "review by a creative: refused" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'refused'"
check "the refusal is in the audit log" "[ \$(count \"SELECT count(*) FROM audit WHERE action = 'refused' AND actor = 'alice'\") -eq 2 ]"
run review 1 --decision changes-required --as lena --note "logo visible at 0:03" --frame 45
check "review with a note on a frame" "[ $rc -eq 0 ]"
run review 1 --decision maybe --as lena
check "review with an unknown decision: usage error" "[ $rc -eq 2 ]"
run review 1 --decision approved --as lena --frame -3
check "review with a negative frame: usage error" "[ $rc -eq 2 ]"
run takes --status changes-required --json
check "takes --status changes-required finds take 1" "json '[t[\"id\"] for t in d] == [1]'"
run clear 1 likeness --as lena
check "clear likeness" "[ $rc -eq 0 ]"
run clear 1 likeness --as lena
check "clear twice: non-zero exit, says by whom" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'already cleared by lena'"
run clear 1 weather --as lena
check "clear an unknown item: usage error" "[ $rc -eq 2 ]"
run clear 1 trademarks --as max
check "clear by a manager: refused" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q refused"
run review 1 --decision approved --as lena
check "approve" "[ $rc -eq 0 ] && echo \"\$out\" | grep -q locked"
run review 1 --decision approved-with-changes --as omar --note "add a credit line"
check "a second reviewer" "[ $rc -eq 0 ]"
run clear 1 disclosure --as lena
check "clear after approval: refused, the take is locked" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q locked"
run rate 1 4 --as max
check "rate" "[ $rc -eq 0 ]"
run rate 1 6 --as max
check "rate 6: usage error" "[ $rc -eq 2 ]"
run shortlist 1 --as max
check "shortlist" "[ $rc -eq 0 ]"
run tag 1 hero --as max
check "tag" "[ $rc -eq 0 ]"
run tag 1 hero --as alice
check "tag by a creative: refused" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q refused"
run show 1 --json
check "show --json: recipe, status, reviews, checklist, lineage" "json 'all(k in d for k in (\"recipe\", \"status\", \"reviews\", \"checklist\", \"lineage\"))'"
check "show: status is the worst current decision" "json 'd[\"status\"] == \"approved-with-changes\" and d[\"locked\"]'"
check "show: reviews in order, with the frame and note" "json '[r[\"decision\"] for r in d[\"reviews\"]] == [\"changes-required\", \"approved\", \"approved-with-changes\"] and d[\"reviews\"][0][\"frame\"] == 45 and d[\"reviews\"][0][\"note\"] == \"logo visible at 0:03\"'"
check "show: the checklist says who cleared what" "json '[(c[\"item\"], c[\"member\"]) for c in d[\"checklist\"]] == [(\"likeness\", \"lena\"), (\"trademarks\", None), (\"licences\", None), (\"disclosure\", None)]'"
check "show: tags, rating, shortlist, source, licence" "json 'd[\"tags\"] == [\"hero\"] and d[\"rating\"] == 4 and d[\"shortlisted\"] and d[\"source\"] == \"Stock Co\" and d[\"licence\"] == \"CC-BY 4.0\"'"
run show 1
check "show as text" "[ $rc -eq 0 ] && echo \"\$out\" | grep -q 'cleared by lena' && echo \"\$out\" | grep -q 'at frame 45'"
run takes --search credit --json
check "takes --search finds review notes" "json '[t[\"id\"] for t in d] == [1]'"
run takes --search hero --project "Spring launch" --json
check "takes --search finds tags" "json '[t[\"id\"] for t in d] == [1]'"
run takes --status needs-review --json
check "takes --status needs-review" "json '[t[\"id\"] for t in d] == [2]'"
run takes --json
check "takes --json: the rating and the shortlist in each summary" "json '[(t[\"id\"], t[\"rating\"], t[\"ratings\"], t[\"shortlisted\"]) for t in d] == [(2, None, 0, False), (1, 4, 1, True)]'"
run takes --status bogus
check "takes --status bogus: usage error" "[ $rc -eq 2 ]"

# Unknown takes, for every command that takes one.
for cmd in "show 99" "review 99 --decision approved --as lena" "clear 99 likeness --as lena" "rate 99 3 --as max" \
           "shortlist 99 --as max" "tag 99 x --as max"; do
  run $cmd
  check "$cmd: non-zero exit naming take 99" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'no take 99'"
done
run show abc
check "show abc: usage error" "[ $rc -eq 2 ] && echo \"\$err\" | grep -q 'not a take number'"

# Invalid UTF-8 in every text field: refused, nothing written.
bad=$(printf 'caf\303\050\377')
before=$(count "SELECT count(*) FROM audit")
for cmd in "member add BAD --role creative --as root" "member add x --role creative --as BAD" \
           "project add BAD --as alice" "project add Autumn --brief BAD --as alice" \
           "import Spring_launch FILE --as alice --title BAD" "import Spring_launch FILE --as alice --source BAD" \
           "import Spring_launch FILE --as alice --licence BAD" "review 2 --decision rejected --note BAD --as lena" \
           "tag 2 BAD --as max" "takes --search BAD" "takes --project BAD"; do
  set -- $(echo "$cmd" | sed "s|FILE|$tmp/harbour.mp4|")
  for a in "$@"; do
    case $a in
      BAD) a=$bad ;;
      Spring_launch) a="Spring launch" ;;
    esac
    set -- "$@" "$a"
    shift
  done
  run "$@"
  check "invalid UTF-8 ($cmd): non-zero exit, says so" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'not valid UTF-8'"
done
check "nothing was written by them" "[ \$(count 'SELECT count(*) FROM audit') -eq $before ]"

# SQL metacharacters are plain text.
meta="Robert'); DROP TABLE takes; -- \"q\" %s"
run project add "$meta" --brief "$meta" --as alice
check "a project named with SQL metacharacters" "[ $rc -eq 0 ]"
run import "$meta" "$tmp/harbour.mp4" --as alice --title "$meta" --source "$meta" --licence "$meta" --json
check "an import with SQL metacharacters everywhere" "[ $rc -eq 0 ]"
id=$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
run show "$id" --json
printf '%s' "$out" | python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if d["title"] == d["project"] == d["source"] == d["licence"] == sys.argv[1] else 1)' "$meta"
verbatim=$?
check "the metacharacters read back verbatim" "[ $verbatim -eq 0 ]"
run takes --search "'); DROP TABLE \"q\" OR * NEAR(" --json
check "a search of query syntax is just words" "[ $rc -eq 0 ] && json 'isinstance(d, list)'"
check "the takes table is still there" "[ \$(count 'SELECT count(*) FROM takes') -eq 3 ]"

# Oversized text: a note of 100 KB (the most is 64 KiB).
big=$(head -c 100000 /dev/zero | tr '\0' 'a')
run review 2 --decision rejected --note "$big" --as lena
check "a 100 KB note: non-zero exit, says how long" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q '100000 bytes long'"

# The audit log.
run audit --json
check "audit --json: rows with actor, action, time, hashes" "json 'len(d) > 20 and all(k in r for r in d for k in (\"id\", \"time\", \"actor\", \"action\", \"details\", \"prev_hash\", \"hash\"))'"
check "audit: every kind of change is there" "json '{\"library-created\", \"member-added\", \"project-added\", \"take-imported\", \"reviewed\", \"locked\", \"cleared\", \"rated\", \"shortlisted\", \"tagged\", \"refused\"} <= {r[\"action\"] for r in d}'"
run audit
check "audit as text" "[ $rc -eq 0 ] && echo \"\$out\" | grep -q 'reviewed'"
run audit verify
check "audit verify: intact" "[ $rc -eq 0 ] && echo \"\$out\" | grep -q intact"
run check
check "check: sound" "[ $rc -eq 0 ]"
cp "$lib/library.sqlite" "$tmp/intact.sqlite"
python3 - "$lib/library.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER audit_unchanged; UPDATE audit SET actor = 'mallory' WHERE id = 9;")
db.commit()
PY
run audit verify
check "audit verify after an edit: non-zero exit naming row 9" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'row 9'"
run audit verify --json
check "audit verify --json: first_bad 9" "json 'd[\"ok\"] is False and d[\"first_bad\"] == 9'"

# Files that are not libraries: refused, named, untouched.
cp "$tmp/intact.sqlite" "$tmp/saved.sqlite"
printf 'not a database at all\n' > "$lib/library.sqlite"
cp "$lib/library.sqlite" "$tmp/expected"
run takes
check "not SQLite: non-zero exit naming the file" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'library.sqlite is not a SQLite database'"
check "not SQLite: left untouched" "cmp -s '$lib/library.sqlite' '$tmp/expected'"
head -c 3000 "$tmp/saved.sqlite" > "$lib/library.sqlite"
cp "$lib/library.sqlite" "$tmp/expected"
run takes
check "truncated: non-zero exit, says truncated" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'truncated'"
check "truncated: left untouched" "cmp -s '$lib/library.sqlite' '$tmp/expected'"
cp "$tmp/saved.sqlite" "$lib/library.sqlite"
python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('PRAGMA user_version = 7'); db.commit()" "$lib/library.sqlite"
cp "$lib/library.sqlite" "$tmp/expected"
run takes
check "newer version: non-zero exit, says to update" "[ $rc -ne 0 ] && echo \"\$err\" | grep -q 'newer Allegro Studio'"
check "newer version: left untouched" "cmp -s '$lib/library.sqlite' '$tmp/expected'"
cp "$tmp/saved.sqlite" "$lib/library.sqlite"
run audit verify
check "the saved copy is intact again" "[ $rc -eq 0 ]"

# Usage errors.
run takes --frobnicate
check "an unknown option: exit 2" "[ $rc -eq 2 ]"
run review 1 --as lena
check "review without --decision: exit 2" "[ $rc -eq 2 ]"
"$bin" --library > /dev/null 2>&1
check "--library without a folder: exit 2" "[ $? -eq 2 ]"

# The default library: \$XDG_DATA_HOME/allegro-studio, created on first use.
XDG_DATA_HOME=$tmp/data "$bin" takes > /dev/null 2>&1
check "the default library is created on first use" "[ -f '$tmp/data/allegro-studio/library.sqlite' ]"
XDG_DATA_HOME=$tmp/data "$bin" init --admin me > /dev/null 2>&1
check "init without --library sets up the default library" "[ \$? -eq 0 ]"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
