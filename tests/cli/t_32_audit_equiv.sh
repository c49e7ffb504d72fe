# Audit equivalences for the in-memory paths of issue 7 (branch audit2):
# - truck-factor-one decides 0, 1 or more without sorting everyone in
#   scope; it must name exactly the teams busfactor gives truck factor 0
#   or 1 (with responsibilities), and for 1 the person busfactor removes;
# - person-in-process merges the processes with their steps sorted in
#   memory; steps out of order and steps of no process are read as the
#   sorted UNION ALL of both tables read them.
/usr/bin/python3 "$ROOT/tests/bench/gen.py" 600 "$SCRATCH/org" 5 >/dev/null ||
	ko "equiv" "gen.py failed"
"$BATON" --db "$SCRATCH/gen.db" import "$SCRATCH/org" >/dev/null 2>&1 ||
	ko "equiv" "import of the generated organisation failed"

# tf_agree DB: truck-factor-one findings == busfactor's teams at 0 or 1.
tf_agree() {
	local db=$1 label=$2 bf au
	bf=$("$BATON" --db "$db" busfactor --json --on 2026-11-23)
	au=$("$BATON" --db "$db" audit --json --on 2026-11-23 --check truck-factor-one)
	got=$(/usr/bin/python3 -c '
import json, sys
bf, au = json.loads(sys.argv[1]), json.loads(sys.argv[2])
want = {}
for t in bf["teams"]:
    n = t["responsibilities"]
    if n > 0 and t["truckFactor"] == 0:
        want["team/" + t["team"]] = "team/%s has truck factor 0: more than half of its %d %s" % (
            t["team"], n, "responsibility" if n == 1 else "responsibilities")
    elif n > 0 and t["truckFactor"] == 1:
        want["team/" + t["team"]] = "team/%s has truck factor 1: without %s more than half of its %d %s" % (
            t["team"], t["people"][0], n, "responsibility" if n == 1 else "responsibilities")
got = {f["entity"]: f["message"] for f in au["findings"]}
bad = [e for e in set(want) | set(got)
       if e not in want or e not in got or not got[e].startswith(want[e])]
print("%d %d %d %s" % (len(want), sum("factor 1" in w for w in want.values()),
                       len(bad), bad[:3]))
' "$bf" "$au")
	expect_eq "${got#* * }" "0 []" "$label: truck-factor-one agrees with busfactor ($got)"
	set -- $got
	tf01=$((tf01 + $1))
	tf1=$((tf1 + $2))
}
tf01=0 tf1=0
for m in 2 3 4 5 6; do
	cp "$SCRATCH/gen.db" "$SCRATCH/gen$m.db"
	sqlite3 "$SCRATCH/gen$m.db" "UPDATE person SET status = 'left' WHERE rowid % $m != 0;
		UPDATE person SET status = 'leaving' WHERE rowid % 7 = 0 AND status = 'active'" ||
		ko "equiv" "sqlite3 update failed"
	tf_agree "$SCRATCH/gen$m.db" "1 in $m active"
done
[ -n "${AUDIT2_DEBUG:-}" ] && echo "tf01=$tf01 tf1=$tf1" >&2
[ "$tf01" -gt 3 ] && [ "$tf1" -gt 0 ] && ok ||
	ko "the data has teams of truck factor 0 and 1 ($tf01, $tf1 of them 1)"

# Steps out of order, a step with no process, a process named by its steps
# only: the places and teams are those of the sorted union.
DB=$SCRATCH/gen2.db
p=$(sqlite3 "$DB" "SELECT name FROM process ORDER BY name LIMIT 1")
sqlite3 "$DB" "DELETE FROM process_step WHERE process = '$p';
	UPDATE process SET body = NULL WHERE name = '$p';
	INSERT INTO process_step (process, ord, text) VALUES
		('$p', 5, 'then ask @p0000004'), ('$p', 2, 'first ask @p0000004'),
		('$p', 3, 'mail p0000009@example.org'),
		('zz-no-such-process', 0, 'call @p0000001')" || ko "equiv" "sqlite3 insert failed"
run "$BATON" --db "$DB" audit --json --on 2026-11-23 --check person-in-process
expect_rc 0 "person-in-process runs on steps out of order"
pip() { # pip ENTITY PERSON -> "team|message"
	json_get "[str(f['team'])+'|'+f['message'] for f in d['findings'] if f['entity']=='$1' and 'person/$2 ' in f['message']]" <<<"$out"
}
team=$(sqlite3 "$DB" "SELECT r.team FROM process p JOIN role r ON r.name = p.owner WHERE p.name = '$p'")
expect_eq "$(pip "process/$p" p0000004)" \
	"['${team:-None}|process/$p names person/p0000004 (by handle, in step 3 and elsewhere): refer to the role that does it, not the person']" \
	"the first step in order is where a person is named first"
expect_eq "$(pip "process/$p" p0000009)" \
	"['${team:-None}|process/$p names person/p0000009 (by handle and email, in step 4): refer to the role that does it, not the person']" \
	"a step in the middle keeps its place"
expect_eq "$(pip process/zz-no-such-process p0000001)" \
	"['None|process/zz-no-such-process names person/p0000001 (by handle, in step 1): refer to the role that does it, not the person']" \
	"steps of no process are a group of their own, without a team"
