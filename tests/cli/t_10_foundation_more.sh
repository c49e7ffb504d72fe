# Foundation, the rest: --help and usage errors of every foundation command,
# --json outputs, runtime errors (exit 3) and the files they must not touch,
# $BATON_DB and --as, the man page and the bash completion.

# --help of every foundation command: exit 0, the usage line on stdout
for c in init check import export ls show who log; do
	run "$BATON" "$c" --help
	expect_rc 0 "$c --help exits 0"
	case $out in "usage: baton $c"*) ok ;; *) ko "$c --help starts with its usage line" "$out" ;; esac
	expect_eq "$err" "" "$c --help prints nothing on stderr"
done
run "$BATON" import --help
expect_eq "$out" "usage: baton import [--prune [--yes]] [--dry-run] [--force] [--format yaml|csv] [--json] <path>..." "import --help is exactly its usage"
run "$BATON" help --help
expect_rc 0 "help --help exits 0"
expect_out "usage: baton [--db <path>] [--as <actor>] <command> [<args>]" "help prints the global usage"
run "$BATON" --help
expect_rc 0 "--help exits 0"
expect_out "  import     apply YAML files to the database" "--help lists the commands"
run "$BATON" --version
expect_rc 0 "--version exits 0"
expect_out "(schema " "--version names the schema version"

# usage errors exit 2 with a usage line or a message on stderr, nothing on stdout
db=$(example_db)
usage_case() { # WHAT EXPECTED-STDERR ARGS...
	local what=$1 want=$2
	shift 2
	run "$BATON" --db "$db" "$@"
	expect_rc 2 "$what exits 2"
	expect_err "$want" "$what message"
	expect_eq "$out" "" "$what prints nothing on stdout"
}
usage_case "init with an argument" "usage: baton init" init extra
usage_case "check without a path" "usage: baton check [--format yaml|csv] [--json] <path>..." check
usage_case "check --prune" "usage: baton check [--format yaml|csv] [--json] <path>..." check --prune "$EXAMPLES"
usage_case "import without a path" "usage: baton import" import
usage_case "import with a bad option" "usage: baton import" import --bogus "$EXAMPLES"
usage_case "export with an argument" "usage: baton export [--out <dir>]" export somewhere
usage_case "export --out without a value" "usage: baton export" export --out
usage_case "ls without a kind" "usage: baton ls" ls
usage_case "ls with two kinds" "usage: baton ls" ls people roles
usage_case "ls with a bad option" "usage: baton ls" ls --bogus people
usage_case "ls --team without a value" "usage: baton ls" ls people --team
usage_case "ls of an unknown kind" "baton: ls: unknown kind 'widgets' (people, teams, roles, processes or rules)" ls widgets
usage_case "show without a name" "usage: baton show <kind>/<name> [--json]" show
usage_case "show with a bad kind" "baton: show: unknown kind 'widget' (person, team, role, process or rule)" show widget/x
usage_case "show without KIND/" "baton: show: expected KIND/NAME (e.g. role/ap-lead), got 'billing-lead'" show billing-lead
usage_case "who without a name" "usage: baton who" who
usage_case "who with two names" "usage: baton who" who a b
usage_case "log with two entities" "usage: baton log" log role/a role/b
usage_case "log --limit not a number" "baton: log: --limit must be a positive integer, got 'abc'" log --limit abc
usage_case "log --limit zero" "baton: log: --limit must be a positive integer, got '0'" log --limit 0
usage_case "log of a bad reference" "baton: log: expected KIND/NAME" log billing-lead
run "$BATON" --db
expect_rc 2 "--db without a value exits 2"
expect_err "baton: baton: --db needs a value" "--db without a value message"
run "$BATON" --bogus ls people
expect_rc 2 "unknown global option exits 2"
expect_err "baton: baton: unknown option '--bogus'" "unknown global option message"
run "$BATON"
expect_rc 2 "no command exits 2"
expect_out "commands:" "no command prints the command list"

# --json outputs
run "$BATON" --db "$db" ls people --json
expect_rc 0 "ls --json exits 0"
expect_eq "$(json_get 'len(d), d[0]["name"], sorted(d[0].keys())' <<<"$out")" "(38, 'aisha.bello', ['displayName', 'email', 'leavingOn', 'name', 'status', 'team'])" "ls people --json: every person, sorted, with their fields"
run "$BATON" --db "$db" ls teams --json
expect_eq "$(json_get '[t["name"] for t in d if t["parent"] == "finance"]' <<<"$out")" "['accounts-payable', 'billing']" "ls teams --json has parents"
run "$BATON" --db "$db" who james.thornton --json
expect_eq "$(json_get 'd["kind"], d["status"], d["leavingOn"], [r["role"] for r in d["roles"]]' <<<"$out")" "('person', 'leaving', '2026-12-18', ['enterprise-account-manager', 'tender-desk-lead'])" "who person --json"
run "$BATON" --db "$db" who team/billing --json
expect_eq "$(json_get 'd["kind"], d["name"], d["parent"]' <<<"$out")" "('team', 'billing', 'finance')" "who team/NAME --json"
run "$BATON" --db "$db" show team/billing --json
expect_eq "$(json_get 'd["kind"], d["name"], d["spec"]["displayName"], d["spec"]["parent"]' <<<"$out")" "('team', 'billing', 'Billing & Credit Control', 'finance')" "show --json wraps the spec"
run "$BATON" --db "$db" log team/billing --json
expect_eq "$(json_get 'len(d), d[0]["action"], d[0]["actor"], d[0]["before"], d[0]["after"]["parent"]' <<<"$out")" "(1, 'create', 'tester', None, 'finance')" "log KIND/NAME --json: one create event with the after-image"
run "$BATON" --db "$db" log --limit 3 --json
expect_eq "$(json_get 'len(d), d[0]["id"] > d[1]["id"] > d[2]["id"]' <<<"$out")" "(3, True)" "log --limit 3 --json: three events, newest first"
run "$BATON" check --json "$EXAMPLES"
expect_rc 0 "check --json exits 0"
expect_eq "$(json_get 'd' <<<"$out")" "{'ok': True, 'errors': 0, 'created': 136, 'updated': 0, 'deleted': 0, 'unchanged': 0}" "check --json counts"
mkdir bad
printf 'apiVersion: baton/v1\nkind: Team\nmetadata: {name: t}\nspec: {typo: 1, parent: nowhere}\n' > bad/t.yaml
run "$BATON" check --json bad
expect_rc 1 "check --json with errors exits 1"
expect_eq "$(json_get 'd["ok"], d["errors"]' <<<"$out")" "(False, 2)" "check --json reports the errors"
expect_err "bad/t.yaml:4:8: error: unknown field 'typo' in 'spec'" "check --json still prints located errors on stderr"
expect_err "bad/t.yaml:4:25: error: 'parent': no such team 'nowhere'" "check --json dangling reference on stderr"
run "$BATON" --db "$db" import --json "$EXAMPLES"
expect_eq "$(json_get 'd' <<<"$out")" "{'ok': True, 'errors': 0, 'created': 0, 'updated': 0, 'deleted': 0, 'unchanged': 136}" "import --json counts"

# ls --team with an unknown team
run "$BATON" --db "$db" ls roles --team nope
expect_rc 1 "ls --team unknown exits 1"
expect_err "baton: ls: no such team 'nope'" "ls --team unknown message"

# the every-field fixture imports, and round-trips through the CLI
run "$BATON" --db ef.db import "$FIXTURES/foundation/every-field.yaml"
expect_out "10 created, 0 updated, 0 deleted, 0 unchanged" "every-field fixture imports"
"$BATON" --db ef.db export --out ef1 >/dev/null 2>&1
"$BATON" --db ef2.db import ef1 >/dev/null 2>&1
"$BATON" --db ef2.db export --out ef2 >/dev/null 2>&1
if diff -r -x log.jsonl ef1 ef2 >/dev/null; then ok; else ko "every-field round trip is identical" "$(diff -r -x log.jsonl ef1 ef2 | head)"; fi
run "$BATON" --db ef2.db show process/2024
expect_out '  name: "2024"' "a numeric-looking name is exported quoted"
run "$BATON" --db ef2.db who clerk --json
expect_eq "$(json_get '[(h["person"], h["until"]) for h in d["pastHolders"]]' <<<"$out")" "[('old-timer', '2024-06-30')]" "past holders survive the round trip"

# runtime errors exit 3
echo "a file" > afile
run "$BATON" --db "$db" export --out afile/sub
expect_rc 3 "export --out into an unwritable place exits 3"
expect_err "baton: export: cannot create 'afile/sub': Not a directory" "export --out unwritable message"
mkdir ro
chmod 555 ro
if [ "$(id -u)" != 0 ]; then
	run "$BATON" --db "$db" export --out ro/x
	expect_rc 3 "export --out into a read-only directory exits 3"
	expect_err "cannot create 'ro/x': Permission denied" "export --out read-only message"
fi
chmod 755 ro
run "$BATON" --db imp.db import missing.yaml
expect_rc 3 "import of a missing path exits 3"
expect_err "baton: import: cannot open 'missing.yaml': No such file or directory" "import missing path names the file"
run "$BATON" --db . ls people
expect_rc 3 "--db pointing at a directory exits 3"
expect_err "baton: ls: '.' is a directory, not a database" "--db directory message"

# a database from a newer baton is refused (exit 3) and left untouched
"$BATON" --db future.db init >/dev/null 2>&1
sqlite3 future.db 'PRAGMA user_version = 999; PRAGMA journal_mode = DELETE;' >/dev/null
sum=$(md5sum < future.db)
for args in "ls people" "import $EXAMPLES" "init" "export"; do
	run "$BATON" --db future.db $args
	expect_rc 3 "newer database refused by '${args%% *}'"
	expect_err "database 'future.db' has schema version 999, newer than this baton knows" "newer database message (${args%% *})"
done
expect_eq "$(md5sum < future.db)" "$sum" "newer database left byte-for-byte untouched"
[ -e future.db-wal ] && ko "newer database not switched to WAL" || ok

# $BATON_DB is honoured; --db wins over it
BATON_DB=$db run "$BATON" ls teams --json
expect_rc 0 "BATON_DB is used when --db is absent"
expect_eq "$(json_get 'len(d)' <<<"$out")" "12" "BATON_DB database has the example teams"
BATON_DB=$db run "$BATON" --db other.db ls teams
expect_rc 1 "--db overrides BATON_DB"
expect_err "no database at 'other.db'" "--db overrides BATON_DB message"
(cd bad && run "$BATON" ls teams; [ "$rc" = 1 ] && grep -qF "no database at 'baton.db'" <<<"$err") && ok || ko "the default database is ./baton.db"

# --as is recorded as the actor in the log; $USER otherwise
printf 'apiVersion: baton/v1\nkind: Team\nmetadata: {name: newteam}\nspec: {displayName: New}\n' > new.yaml
run "$BATON" --db "$db" --as alice@example import new.yaml
expect_rc 0 "import --as exits 0"
run "$BATON" --db "$db" log team/newteam --json
expect_eq "$(json_get 'd[0]["actor"], d[0]["action"]' <<<"$out")" "('alice@example', 'create')" "--as is the actor of the event"
run "$BATON" --db "$db" --as=bob import --prune "$EXAMPLES"
run "$BATON" --db "$db" log team/newteam --json
expect_eq "$(json_get 'd[0]["actor"], d[0]["action"], d[0]["before"]["displayName"]' <<<"$out")" "('bob', 'delete', 'New')" "--as=NAME form, on a prune"

# Drift on the CLI: after an in-baton change (a journal entry), importing
# the stale files is refused with the entity and the change named, exactly;
# nothing is written; --force overwrites; exported files import cleanly.
ddb=$SCRATCH/drift.db
"$BATON" --db "$ddb" import "$EXAMPLES" >/dev/null 2>&1
run "$BATON" --db "$ddb" journal billing-lead "Called the bank about the mandate"
expect_rc 0 "journal entry exits 0"
nev=$("$BATON" --db "$ddb" log --limit 100000 --json | json_get 'len(d)')
run "$BATON" --db "$ddb" import "$EXAMPLES"
expect_rc 1 "import over an in-baton change exits 1"
expect_err "$EXAMPLES/roles/finance.yaml:137:7: error: role/billing-lead: journal changed by 'baton journal' on 2026-11-23; run 'baton export' or pass --force" "drift conflict message, exactly located"
expect_err "baton: import: 1 error; nothing was written" "drift conflict writes nothing"
expect_eq "$("$BATON" --db "$ddb" log --limit 100000 --json | json_get 'len(d)')" "$nev" "refused import records no event"
"$BATON" --db "$ddb" export --out cur >/dev/null 2>&1
run "$BATON" --db "$ddb" import cur
expect_rc 0 "importing the exported (current) files clears the drift"
expect_out "0 created, 0 updated, 0 deleted, 136 unchanged" "current files change nothing"
run "$BATON" --db "$ddb" journal billing-lead "Second entry"
run "$BATON" --db "$ddb" import --force "$EXAMPLES"
expect_rc 0 "import --force over an in-baton change exits 0"
expect_out "0 created, 1 updated, 0 deleted, 135 unchanged" "--force overwrites the changed role"
run "$BATON" --db "$ddb" import "$EXAMPLES"
expect_out "136 unchanged" "after --force the files are current again"

# the man page renders without warnings and mentions every command
if command -v groff >/dev/null; then
	run groff -man -Tutf8 -ww "$ROOT/doc/baton.1"
	expect_rc 0 "man page renders"
	expect_eq "$err" "" "man page renders without warnings"
fi
for c in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", cmd_.*/\1/p' "$ROOT/cli/main.c"); do
	grep -qE "^\.(B|BR|BI) \"?baton $c( |\"|$)" "$ROOT/doc/baton.1" && ok || ko "man page documents '$c'"
done
for c in init check import export ls show who route search audit busfactor whatif handover onboard offboard away journal log revert graph serve token backup version; do
	grep -qE "^\.(B|BR|BI) \"?baton $c( |\"|$)" "$ROOT/doc/baton.1" && ok || ko "man page documents DESIGN.md command '$c'"
done
for s in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS ENVIRONMENT "EXIT STATUS" FILES EXAMPLES; do
	grep -qx "\.SH \"\?$s\"\?" "$ROOT/doc/baton.1" && ok || ko "man page has section $s"
done
for v in BATON_DB BATON_NOW USER NO_COLOR; do
	grep -qx "\.B $v" "$ROOT/doc/baton.1" && ok || ko "man page documents \$$v"
done

# bash completion: commands, options, kinds, KIND/NAME from the database, files
complete_words() { # CWORD WORD...: prints the completions, one per line
	bash -c '. "$1"; shift; COMP_CWORD=$1; shift; COMP_WORDS=("$@"); _baton; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$ROOT/cli/baton.bash" "$@"
}
# the completion runs `baton`: the binary under test by that name (under
# `make check-valgrind`, $BATON is tests/valgrind-baton.sh)
mkdir -p "$SCRATCH/bin"
ln -sf "$(cd "$(dirname "$BATON")" && pwd)/$(basename "$BATON")" "$SCRATCH/bin/baton"
export PATH="$SCRATCH/bin:$PATH"
expect_eq "$(complete_words 1 baton im)" "import" "completion: baton im -> import"
expect_eq "$(complete_words 1 baton h | tr '\n' ' ')" "handover help " "completion: baton h -> handover help"
expect_eq "$(complete_words 3 baton --db x.db w | tr '\n' ' ')" "who whatif " "completion skips global options"
expect_eq "$(complete_words 2 baton import --d)" "--dry-run" "completion: import options"
expect_eq "$(complete_words 2 baton ls p | tr '\n' ' ')" "people processes " "completion: ls kinds"
expect_eq "$(complete_words 2 baton show ro)" "role/" "completion: show KIND/"
expect_eq "$(complete_words 4 baton --db "$db" show role/billing-l)" "role/billing-lead" "completion: show role/NAME from the database"
expect_eq "$(complete_words 6 baton --db "$db" ls roles --team acc)" "accounts-payable" "completion: --team from the database"
expect_eq "$(cd "$EXAMPLES" && complete_words 2 baton check pe)" "people.yaml" "completion: check completes files"
expect_eq "$(complete_words 2 baton handover com)" "complete" "completion: handover subcommands"
expect_eq "$(complete_words 3 baton audit --format m)" "md" "completion: audit --format values"
expect_eq "$(complete_words 3 baton import --format c)" "csv" "completion: import --format values"
