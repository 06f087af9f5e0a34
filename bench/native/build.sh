#!/bin/sh
# Builds the native-comparison benchmarks from bench.c:
#   bench.bpf.o                     clang-19 -O2 -g -target bpf (-g: BTF, which .maps needs) (committed, so running the benchmark needs no clang)
#   out/libsharpbpf_native_bench.so gcc -O2 (built on demand by `dotnet run ... -- native`)
# Usage: build.sh [bpf|native|all]   (default all)
set -eu
cd "$(dirname "$0")"
what="${1:-all}"
if [ "$what" = all ] || [ "$what" = bpf ]; then
    clang-19 -O2 -g -target bpf -fdebug-prefix-map="$PWD"=. -I/usr/include/x86_64-linux-gnu -c bench.c -o bench.bpf.o
fi
if [ "$what" = all ] || [ "$what" = native ]; then
    mkdir -p out
    gcc -O2 -shared -fPIC bench.c -o out/libsharpbpf_native_bench.so
fi
