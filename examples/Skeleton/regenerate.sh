#!/bin/sh
# Regenerates FlowStatsSkeleton.g.cs from the flow_stats fixture (rebuild the fixture first with
# tests/fixtures/programtypes/build.sh if you changed its C source).
set -eu
cd "$(dirname "$0")"
dotnet run --project ../../src/SharpBpf.Cli -- gen skeleton ../../tests/fixtures/programtypes/flow_stats.o \
    --namespace SharpBpf.Examples.Skeleton --class FlowStatsSkeleton -o FlowStatsSkeleton.g.cs
