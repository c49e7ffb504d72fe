#!/bin/sh
# valgrind-baton.sh - runs build/baton under valgrind memcheck; used by
# `make check-valgrind` in place of the binary for the command-line tests.
# Any memory error or leak makes the command exit 99, which the tests see.
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# baton is linked with jemalloc: memcheck must replace its malloc too
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--soname-synonyms=somalloc='*jemalloc*' \
	"$here/build/baton" "$@"
