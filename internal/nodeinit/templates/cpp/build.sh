#!/bin/sh
# Builds node.wasm from node.cpp and the weft C SDK: the manifest's [build]
# command, which `weft pkg build` and `weft run --package` run. It needs
# clang and lld with the wasm32-wasi target, wasi-libc, compiler-rt and
# libc++; on Debian 12:
#   apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32 \
#       libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
# `sh build.sh test` builds node.cpp and the SDK for this machine instead
# (-DWEFT_NATIVE_TEST, any C and C++ compiler: CC, CXX) and runs test.cpp
# against its fake host: the manifest's [build] test, for `weft node test`.
# Edit this file freely: it is part of your project.
set -eu
cd "$(dirname "$0")"
sdk='{{.SDKPath}}'
if [ "${1-}" = test ]; then
	out=${TMPDIR:-/tmp}/{{.Name}}-test.$$
	trap 'rm -f "$out" "$out.o"' EXIT
	${CC:-cc} -std=c99 -O1 -Wall -Wextra -DWEFT_NATIVE_TEST -I"$sdk" -c -o "$out.o" "$sdk/weft.c"
	${CXX:-c++} -std=c++17 -O1 -Wall -Wextra -DWEFT_NATIVE_TEST -I"$sdk" -o "$out" test.cpp node.cpp "$out.o" -lm
	exec "$out"
fi
# The SDK is C, compiled as C; the project's sources as C++17. libc++ for
# wasm32-wasi has no exceptions or RTTI.
obj=${TMPDIR:-/tmp}/{{.Name}}-weft.$$.o
trap 'rm -f "$obj"' EXIT
clang --target=wasm32-wasi -O2 -mbulk-memory -Wall -Wextra -I"$sdk" -c -o "$obj" "$sdk/weft.c"
clang++ --target=wasm32-wasi -O2 -mbulk-memory -mexec-model=reactor -std=c++17 -fno-exceptions -fno-rtti \
	-Wall -Wextra -Wl,--strip-debug -I"$sdk" -o node.wasm node.cpp "$obj"
