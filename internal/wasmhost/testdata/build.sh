#!/bin/sh
# build.sh: rebuilds the WebAssembly fixtures of internal/wasmhost from their
# sources, deterministically (same tools, same bytes: no debug info, no
# paths, no timestamps). The .wasm files are committed; run this after
# changing a source and commit the result.
#
#   ./build.sh              # every package under pkgs/
#   ./build.sh spin vars    # just these
#
# Needs clang with the wasm32-wasi target and wasi-libc (Debian: clang,
# lld, wasi-libc, libclang-rt-dev-wasm32) and wabt (wat2wasm, wasm-objdump).
# Tested with Debian clang 14.0.6, wasi-libc 0.0~git20220510 and wabt 1.0.32;
# other versions build equivalent modules with different bytes.
set -eu

cd "$(dirname "$0")"

CC=${CC:-clang}
CFLAGS="--target=wasm32-wasi -O2 -mexec-model=reactor -Iinclude -Wall -Wextra -Werror -Wl,--strip-debug"

# Packages without sources of their own reuse another package's module.
copy_of() {
	case $1 in
	varsdenied) echo vars/vars.wasm ;;
	bigresponsestd) echo bigresponse/bigresponse.wasm ;;
	hostcallnone | hostcallpublic) echo hostcall/hostcall.wasm ;;
	initconfigfresh) echo initconfig/initconfig.wasm ;;
	esac
}

# Flags of packages built exactly as a document shows, not with the
# fixtures' strict warnings, or with extra target features.
cflags_of() {
	case $1 in
	abiexample) echo "--target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug" ;;
	memfillbulk) echo "$CFLAGS -mbulk-memory" ;;
	*) echo "$CFLAGS" ;;
	esac
}

build() {
	local pkg dir src found f out
	pkg=$1
	dir=pkgs/$pkg
	[ -d "$dir" ] || { echo "build.sh: no package $dir" >&2; exit 1; }
	src=$(copy_of "$pkg")
	if [ -n "$src" ]; then
		build "${src%%/*}"
		cp "pkgs/$src" "$dir/"
		echo "$dir/$(basename "$src") (copy of pkgs/$src)"
		return
	fi
	found=
	for f in "$dir"/*.c "$dir"/*.wat; do
		[ -f "$f" ] || continue
		found=1
		out=${f%.*}.wasm
		case $f in
		*.c) $CC $(cflags_of "$pkg") -o "$out" "$f" ;;
		*.wat) wat2wasm "$f" -o "$out" ;;
		esac
		echo "$out $(wc -c <"$out") bytes"
	done
	[ -n "$found" ] || { echo "build.sh: no .c or .wat source in $dir" >&2; exit 1; }
}

if [ $# -eq 0 ]; then
	set -- $(ls pkgs)
fi
for pkg in "$@"; do
	build "$pkg"
done
