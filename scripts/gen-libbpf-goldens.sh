#!/bin/sh
# Regenerates the libbpf goldens of test/obj (build machine only, as root:
# bpf_object__prepare creates maps). Needs gcc, libelf and zlib headers, and a
# static libbpf 1.8 (default /work/ref/libbpf-1.8; override with LIBBPF=DIR
# holding usr/include and usr/lib64/libbpf.a).
#   test/obj/golden/libbpf-insns.json     per-program instructions, func_info and
#                                         line_info after bpf_object__prepare
#                                         (CO-RE left out), little-endian objects
#   test/obj/golden/libbpf-sections.json  libbpf_prog_type_by_name of every name
#                                         in test/obj/golden/section-names.txt
set -eu
cd "$(dirname "$0")/.."
LIBBPF=${LIBBPF:-/work/ref/libbpf-1.8}
out=test/obj/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -Wall -I"$LIBBPF/usr/include" -o "$tmp/libbpf-insns" test/reference/libbpf-insns.c "$LIBBPF/usr/lib64/libbpf.a" -lelf -lz
"$tmp/libbpf-insns" bpf/test/*.bpf.o > "$tmp/insns.json"
# One name per line; the empty line is the empty name.
node -e '
const { readFileSync } = require("node:fs");
const { execFileSync } = require("node:child_process");
const names = readFileSync(process.argv[1], "utf8").split("\n").slice(0, -1);
process.stdout.write(execFileSync(process.argv[2], ["--sections", ...names], { encoding: "utf8" }));
' "$out/section-names.txt" "$tmp/libbpf-insns" > "$tmp/sections.json"
mv "$tmp/insns.json" "$out/libbpf-insns.json"
mv "$tmp/sections.json" "$out/libbpf-sections.json"
echo "wrote $out/libbpf-insns.json and $out/libbpf-sections.json"
