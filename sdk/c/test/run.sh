#!/bin/sh
# run.sh: builds the C SDK natively with a fake host and runs its tests,
# under AddressSanitizer and UndefinedBehaviorSanitizer when the compiler
# can link them (CC=clang ./run.sh picks another compiler; SANITIZE= skips
# the sanitizers).
set -eu
cd "$(dirname "$0")"
CC=${CC:-cc}
SANITIZE=${SANITIZE-"-fsanitize=address,undefined -fno-sanitize-recover=all"}
out=${TMPDIR:-/tmp}/weft-c-sdk-test.$$
trap 'rm -f "$out"' EXIT
build() {
	# shellcheck disable=SC2086 # $1 holds several flags
	$CC -std=c99 -O1 -g -Wall -Wextra -Werror $1 -DWEFT_NATIVE_TEST -I.. -o "$out" json_test.c ../weft.c -lm
}
if [ -n "$SANITIZE" ] && ! build "$SANITIZE" 2>/dev/null; then
	echo "run.sh: $CC cannot build with $SANITIZE; testing without sanitizers" >&2
	SANITIZE=
fi
[ -n "$SANITIZE" ] || build ""
"$out"
