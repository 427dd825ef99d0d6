#!/bin/bash
# Instructions and mispredicted branches per tick + pick and per block + wake, RunQueue against
# PriorityQueue (two tables), from
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
for operation in "tick + pick:aurora:heap" "block + wake:aurora-block:heap-block"; do
  IFS=: read -r title ours theirs <<< "$operation"
  echo
  echo "$title"
  echo
  echo "| runnable | RunQueue instructions | mispredicted | PriorityQueue instructions | mispredicted | instruction ratio |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for n in "${sizes[@]}"; do
    read -r ai am < <(per_operation "$ours" "$n")
    read -r hi hm < <(per_operation "$theirs" "$n")
    echo "| $n | $ai | $am | $hi | $hm | $(echo "scale=2; $ai / $hi" | bc) |"
  done
done
