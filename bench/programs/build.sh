#!/bin/sh
# Rebuilds the benchmark objects (committed, so benchmarks need no clang).
set -eu
cd "$(dirname "$0")"
for source in *.c; do
    clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -fdebug-prefix-map="$PWD"=. -c "$source" -o "${source%.c}.o"
done
