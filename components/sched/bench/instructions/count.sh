#!/bin/bash
# Instructions and mispredicted branches per tick + pick and per block + wake, RunQueue against
# the same CFS work on PriorityQueue (bench/HeapCfs.cs; two tables, tick + pick also against the
# heap's fused EnqueueDequeue and the bare heap loop compared until 0.2.x: virtual time charged,
# Enqueue + Dequeue, no tick), from
# valgrind's cachegrind (--branch-sim: its simple predictor model, not a real CPU's): each run
# once with ITERATIONS operations and once with none, the difference divided by ITERATIONS.
#   components/sched/bench/instructions/count.sh [RUNNABLE...]   (default 8 64 256 1024)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish -c Release -r linux-x64 -o "$out" "$here/Aurora.Sched.InstructionCount.csproj" >/dev/null
# valgrind cannot read NativeAOT's DWARF 5; the symbol table is enough.
objcopy --strip-debug "$out/Aurora.Sched.InstructionCount" "$out/count"
iterations=100000
run() {
  valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes --cachegrind-out-file=/dev/null "$out/count" "$@" 2>&1 |
    awk '/ I +refs:/ {gsub(",", "", $4); ir = $4} / Mispredicts:/ {gsub(",", "", $3); mp = $3} END {print ir, mp}'
}
# per_operation KIND N: instructions and mispredictions per operation ("I M").
per_operation() {
  local i1 m1 i0 m0
  read -r i1 m1 < <(run "$1" "$2" "$iterations")
  read -r i0 m0 < <(run "$1" "$2" 0)
  echo "$(( (i1 - i0) / iterations )) $(echo "scale=2; ($m1 - $m0) / $iterations" | bc)"
}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(8 64 256 1024)
for operation in "tick + pick:aurora:heap:heap-fused:heap-bare" "block + wake:aurora-block:heap-block::"; do
  IFS=: read -r title ours theirs fused bare <<< "$operation"
  echo
  echo "$title"
  echo
  if [ -n "$fused" ]; then
    echo "| runnable | RunQueue instructions | mispredicted | PriorityQueue instructions | mispredicted | instruction ratio | EnqueueDequeue instructions | ratio | bare heap loop | ratio |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  else
    echo "| runnable | RunQueue instructions | mispredicted | PriorityQueue instructions | mispredicted | instruction ratio |"
    echo "|---:|---:|---:|---:|---:|---:|"
  fi
  for n in "${sizes[@]}"; do
    read -r ai am < <(per_operation "$ours" "$n")
    read -r hi hm < <(per_operation "$theirs" "$n")
    row="| $n | $ai | $am | $hi | $hm | $(echo "scale=2; $ai / $hi" | bc) |"
    if [ -n "$fused" ]; then
      read -r ui um < <(per_operation "$fused" "$n")
      read -r bi bm < <(per_operation "$bare" "$n")
      row="$row $ui | $(echo "scale=2; $ai / $ui" | bc) | $bi | $(echo "scale=2; $ai / $bi" | bc) |"
    fi
    echo "$row"
  done
done
