#!/bin/sh
# Runs test.c: node.c and the weft C SDK built for this machine (not wasm)
# with -DWEFT_NATIVE_TEST, against the fake host in test.c. The manifest's
# [build] test command, which `weft node test` runs. CC picks the compiler.
set -eu
cd "$(dirname "$0")"
out=${TMPDIR:-/tmp}/{{.Name}}-test.$$
trap 'rm -f "$out"' EXIT
${CC:-cc} -std=c99 -O1 -Wall -Wextra -DWEFT_NATIVE_TEST -I'{{.SDKPath}}' -o "$out" test.c node.c '{{.SDKPath}}/weft.c' -lm
"$out"
