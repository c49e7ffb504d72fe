# baton.bash - bash completion for baton(1).
#
# Installed as share/bash-completion/completions/baton (make install), or
# sourced by hand: `. cli/baton.bash`. Completes the commands of DESIGN.md
# section 7, each command's options, KIND names and KIND/NAME references
# (names read from the database with `baton ls KIND --json` when python3
# is around to parse it), and files for check/import.

_baton_commands="init check import export ls show who route search audit busfactor
whatif handover onboard offboard away journal log revert graph serve token
backup version help"

_baton_kinds="people teams roles processes rules"

# Names of one kind from the database named on the command line (best
# effort: nothing when there is no database).
_baton_names()
{
	local kind=$1 db=$2
	command -v python3 >/dev/null 2>&1 || return 0
	baton ${db:+--db "$db"} ls "$kind" --json 2>/dev/null |
		python3 -c 'import json,sys
try:
    for e in json.load(sys.stdin): print(e["name"])
except Exception: pass' 2>/dev/null
}

_baton()
{
	local cur prev cmd db i sub
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	# find the command (the first word that is not a global option)
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--db|--as) ((i++)); [[ ${COMP_WORDS[i-1]} == --db ]] && db=${COMP_WORDS[i]} ;;
		--db=*) db=${COMP_WORDS[i]#--db=} ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	case $prev in
	--db|--out)
		COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	--as|--from|--to|--on|--due|--reason|--limit|--listen|--check|--max-roles|--timeout|--max-connections)
		case $cmd:$prev in
		handover:--from|handover:--to|offboard:--to)
			COMPREPLY=($(compgen -W "$(_baton_names people "$db")" -- "$cur")) ;;
		esac
		return ;;
	--team)
		COMPREPLY=($(compgen -W "$(_baton_names teams "$db")" -- "$cur")); return ;;
	--role)
		COMPREPLY=($(compgen -W "$(_baton_names roles "$db")" -- "$cur")); return ;;
	--format)
		case $cmd in
		audit) COMPREPLY=($(compgen -W "text json md" -- "$cur")) ;;
		graph) COMPREPLY=($(compgen -W "dot svg" -- "$cur")) ;;
		import|check) COMPREPLY=($(compgen -W "yaml csv" -- "$cur")) ;;
		ls) COMPREPLY=($(compgen -W "text json csv" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
		esac
		return ;;
	--fail-on)
		COMPREPLY=($(compgen -W "error warning" -- "$cur")); return ;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--db --as --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_baton_commands" -- "$cur"))
		fi
		return
	fi

	local opts=
	case $cmd in
	init|version|help) opts="--help" ;;
	check) opts="--format --json --help" ;;
	import) opts="--prune --yes --dry-run --force --format --json --help" ;;
	revert) opts="--force --help" ;;
	export) opts="--out --help" ;;
	ls) opts="--team --format --json --help" ;;
	show|who) opts="--json --help" ;;
	log) opts="--limit --json --help" ;;
	route) opts="--topic --on --explain --json --help" ;;
	search) opts="--limit --json --help" ;;
	audit) opts="--format --json --team --on --fail-on --check --help" ;;
	busfactor) opts="--team --json --on --help" ;;
	whatif) opts="--json --on --help" ;;
	handover) opts="--from --to --role --force --json --help" ;;
	onboard) opts="--role --due --json --help" ;;
	offboard) opts="--to --on --json --help" ;;
	away) opts="--from --to --reason --clear --help" ;;
	journal) opts="--json --help" ;;
	graph) opts="--team --format --help" ;;
	serve) opts="--listen --read-only --timeout --max-connections --help" ;;
	token) opts="--json --help" ;;
	backup) opts="--help" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi

	case $cmd in
	check|import|backup)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	ls)
		COMPREPLY=($(compgen -W "$_baton_kinds" -- "$cur")) ;;
	show|log)
		if [[ $cur == */* ]]; then
			local k=${cur%%/*} plural
			case $k in
			person) plural=people ;; team) plural=teams ;; role) plural=roles ;;
			process) plural=processes ;; rule) plural=rules ;;
			esac
			[[ -n $plural ]] && COMPREPLY=($(compgen -P "$k/" -W "$(_baton_names $plural "$db")" -- "${cur#*/}"))
		else
			COMPREPLY=($(compgen -W "person/ team/ role/ process/ rule/" -- "$cur"))
			compopt -o nospace 2>/dev/null
		fi ;;
	who|whatif|away|onboard|offboard)
		COMPREPLY=($(compgen -W "$(_baton_names people "$db") $([[ $cmd == who ]] && _baton_names roles "$db")" -- "$cur")) ;;
	journal)
		COMPREPLY=($(compgen -W "$(_baton_names roles "$db")" -- "$cur")) ;;
	handover)
		sub=${COMP_WORDS[i+1]}
		if ((COMP_CWORD == i + 1)); then
			COMPREPLY=($(compgen -W "start list show add done undo note complete cancel export" -- "$cur"))
		fi ;;
	token)
		if ((COMP_CWORD == i + 1)); then
			COMPREPLY=($(compgen -W "create list revoke" -- "$cur"))
		fi ;;
	esac
}

complete -F _baton baton
