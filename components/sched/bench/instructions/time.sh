#!/bin/bash
# Wall-clock ns per tick + pick of the NativeAOT program (the compiler the kernel is built with):
# RunQueue against the same CFS on PriorityQueue (Enqueue + Dequeue, and the fused
# EnqueueDequeue). Each kind runs with ITERATIONS operations and with none (setup and warm-up
# alone); the difference divided by ITERATIONS, best of ROUNDS runs taken in turn, so that load
# from other processes on a shared machine touches every kind alike.
#   components/sched/bench/instructions/time.sh [RUNNABLE...]   (default 8 64 256 1024)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish -c Release -r linux-x64 -o "$out" "$here/Aurora.Sched.InstructionCount.csproj" >/dev/null
bin="$out/Aurora.Sched.InstructionCount"
iterations=4000000
rounds=7
elapsed() {
  local start end
  start=$(date +%s%N)
  "$bin" "$@" >/dev/null
  end=$(date +%s%N)
  echo $((end - start))
}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(8 64 256 1024)
echo "| runnable | RunQueue ns | PriorityQueue Enqueue+Dequeue ns | ratio | EnqueueDequeue ns | ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  declare -A best=()
  for _ in $(seq "$rounds"); do
    for kind in aurora heap heap-fused; do
      ns=$(( $(elapsed "$kind" "$n" "$iterations") - $(elapsed "$kind" "$n" 0) ))
      if [ -z "${best[$kind]:-}" ] || [ "$ns" -lt "${best[$kind]}" ]; then best[$kind]=$ns; fi
    done
  done
  a=${best[aurora]} h=${best[heap]} f=${best[heap-fused]}
  printf '| %s | %s | %s | %s | %s | %s |\n' "$n" \
    "$(echo "scale=1; $a / $iterations" | bc)" "$(echo "scale=1; $h / $iterations" | bc)" "$(echo "scale=2; $a / $h" | bc)" \
    "$(echo "scale=1; $f / $iterations" | bc)" "$(echo "scale=2; $a / $f" | bc)"
  unset best
done
