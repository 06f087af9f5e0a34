#!/bin/sh
# Rebuilds sock_example.bpf.o from sock_example.bpf.c (the .o is committed so the example runs without clang).
set -eu
cd "$(dirname "$0")"
clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -fdebug-prefix-map="$PWD"=. \
    -c sock_example.bpf.c -o sock_example.bpf.o
