#!/bin/sh
# tour.sh BATON DB - what `make run` shows: the organisation at a glance,
# then the web UI on $BATON_LISTEN (default 127.0.0.1:8080) until Ctrl-C.
set -eu
baton=$1; db=$2
listen=${BATON_LISTEN:-127.0.0.1:8080}
echo
echo "== baton: the example organisation (database $db) =="
"$baton" --db "$db" ls teams
echo
echo "== who is james.thornton? =="
"$baton" --db "$db" who james.thornton
echo
echo "== a token to log in to the web UI (needed only for changes) =="
"$baton" --db "$db" token create demo
echo
echo "Also try: $baton --db $db graph --team finance --format svg > map.svg"
exec "$baton" --db "$db" serve --listen "$listen"
