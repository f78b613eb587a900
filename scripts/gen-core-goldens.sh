#!/usr/bin/env bash
# Regenerates the CO-RE goldens: libbpf 1.8's relocated instructions (or its
# error) for each core_* test object against each target BTF, written as
# test/core/goldens/<object>.<target>.json by test/reference/libbpf-relocate.c
# (the shape of `corebpf core relocate -j`).
#
# Targets: bpf/test/core_target.bpf.o, the encoder-built test/core/data/*.btf
# (rewritten first), ../shared/testdata/btf/vmlinux.btf.gz when present, and
# the running kernel ("kernel", with the sha256 of its BTF in kernel.sha256 so
# that tests on another kernel skip those goldens).
#
# Needs root (bpf_object__prepare creates maps), gcc, libelf and zlib, and a
# static libbpf 1.8: LIBBPF_DIR (default /work/ref/libbpf-1.8/usr) with
# include/ and lib64/libbpf.a.
set -euo pipefail
cd "$(dirname "$0")/.."
LIBBPF_DIR=${LIBBPF_DIR:-/work/ref/libbpf-1.8/usr}
out=test/core/goldens
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gcc -O1 -Wall -I"$LIBBPF_DIR/include" -o "$tmp/libbpf-relocate" test/reference/libbpf-relocate.c "$LIBBPF_DIR/lib64/libbpf.a" -lelf -lz
npm run build --silent
node dist/test/core/support/write-targets.js

mkdir -p "$out"
rm -f "$out"/*.json "$out"/kernel.sha256

# golden OBJECT TARGET_NAME [TARGET_PATH]
golden() {
  local obj=$1 name=$2 path=${3:-}
  # A failed prepare still prints its JSON (the error); keep it.
  "$tmp/libbpf-relocate" "bpf/test/$obj.bpf.o" ${path:+"$path"} > "$out/$obj.$name.json" 2>/dev/null || true
  echo "$out/$obj.$name.json: $(head -c 60 "$out/$obj.$name.json")..."
}

local_objects=(core_local core_cpuv4 core_errors core_subprogs)
all_objects=(core_local core_cpuv4 core_errors core_subprogs core_kernel core_large)

for obj in "${local_objects[@]}"; do
  golden "$obj" core_target bpf/test/core_target.bpf.o
  for btf in test/core/data/*.btf; do
    golden "$obj" "$(basename "$btf" .btf)" "$btf"
  done
done

shared=../shared/testdata/btf/vmlinux.btf.gz
if [ -f "$shared" ]; then
  gunzip -c "$shared" > "$tmp/vmlinux-7.1.btf"
  for obj in "${all_objects[@]}"; do golden "$obj" vmlinux-7.1 "$tmp/vmlinux-7.1.btf"; done
fi

if [ -f /sys/kernel/btf/vmlinux ]; then
  for obj in "${all_objects[@]}"; do golden "$obj" kernel; done
  sha256sum /sys/kernel/btf/vmlinux | cut -d' ' -f1 > "$out/kernel.sha256"
fi
