# export --out also writes what lives only in the database: handovers as
# Markdown and the change log as JSON lines; import ignores both.
db=$(example_db)
"$BATON" --db "$db" offboard james.thornton --to mei.lin --on 2026-12-18 >/dev/null
run "$BATON" --db "$db" export --out out
expect_rc 0 "export --out with a handover exits 0"
[ -f out/handovers/1.md ] && ok || ko "export writes handovers/1.md"
expect_eq "$(head -1 out/handovers/1.md)" "# Handover 1: james.thornton to mei.lin" "the handover document starts with its title"
expect_eq "$(wc -l < out/log.jsonl)" "$("$BATON" --db "$db" log --limit 100000 --json | json_get 'len(d)')" "log.jsonl has one line per event"
expect_eq "$(head -1 out/log.jsonl | json_get 'd["id"], d["action"]')" "(1, 'create')" "log.jsonl is oldest first"
run "$BATON" --db fresh.db import out
expect_rc 0 "an export directory with handovers and the log imports"
expect_out "136 created" "import reads only the YAML of an export"
