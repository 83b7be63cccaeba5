#!/bin/sh
# fashion.sh [rounds [epochs [limit]]]: examples/fashion (gotl) beside the same recipe in
# PyTorch (bench/fashion_torch.py: Debian's python3-torch 1.13), both on 2 threads, on
# Fashion-MNIST at batch 64 with Adam(1e-3), seed 0: 5 epochs on all 54,000 training images
# by default, or epochs on the first limit images (validation on the 6,000 held out either
# way). Prints the seconds per epoch (training and validation) and the test accuracy of the
# final model of each, alternating gotl and PyTorch over the rounds (default 1) and giving
# medians; the logs go to bench/out/fashion. Needs Debian's dataset-fashion-mnist,
# python3-torch and python3-numpy.
#
#   bench/fashion.sh            # the accuracy check: one 5-epoch run of each
#   bench/fashion.sh 3 1 6400   # speed: 3 rounds of one epoch of 100 batches
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-1} epochs=${2:-5} limit=${3:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
logs=bench/out/fashion
mkdir -p "$logs"
/usr/bin/python3 -c 'import torch, numpy' || {
	echo "fashion.sh: needs apt-get install python3-torch python3-numpy dataset-fashion-mnist" >&2
	exit 1
}
go build -o "$tmp/fashion" ./examples/fashion
# OpenMP threads wait passively: a spinning PyTorch collapses when anything else runs on the
# two cores (set OMP_WAIT_POLICY=ACTIVE to measure the default).
export GOMAXPROCS=2 OMP_NUM_THREADS=2 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
for r in $(seq "$rounds"); do
	echo "round $r/$rounds: gotl" >&2
	"$tmp/fashion" -checkpoint "$tmp/best.npz" -epochs "$epochs" -limit "$limit" >"$tmp/gotl-$r.log"
	sed -n 's/^training: .* s in all, \([0-9.]*\) s per epoch.*/\1/p' "$tmp/gotl-$r.log" >>"$tmp/gotl.sec"
	sed -n 's/^test accuracy: \([0-9.]*\) (final model)/\1/p' "$tmp/gotl-$r.log" >>"$tmp/gotl.acc"
	echo "round $r/$rounds: PyTorch" >&2
	/usr/bin/python3 bench/fashion_torch.py --threads 2 --epochs "$epochs" --limit "$limit" >"$tmp/torch-$r.log"
	sed -n 's/^RESULT seconds_per_epoch=\([0-9.]*\) .*/\1/p' "$tmp/torch-$r.log" >>"$tmp/torch.sec"
	sed -n 's/^RESULT .*test_accuracy=\([0-9.]*\)/\1/p' "$tmp/torch-$r.log" >>"$tmp/torch.acc"
done
cp "$tmp"/*.log "$logs"/
median() { sort -n "$1" | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
for f in gotl torch; do
	[ -s "$tmp/$f.sec" ] && [ -s "$tmp/$f.acc" ] || { echo "fashion.sh: no result from $f:" >&2; cat "$tmp/$f-"*.log >&2; exit 1; }
done
gs=$(median "$tmp/gotl.sec") ts=$(median "$tmp/torch.sec")
printf '%-10s %10s %15s   (median of %s run(s), %s epoch(s), batch 64, Adam 1e-3, 2 threads)\n' "" "s/epoch" "test accuracy" "$rounds" "$epochs"
printf '%-10s %10.1f %15.4f\n' gotl "$gs" "$(median "$tmp/gotl.acc")"
printf '%-10s %10.1f %15.4f\n' PyTorch "$ts" "$(median "$tmp/torch.acc")"
awk -v g="$gs" -v t="$ts" 'BEGIN {printf "gotl takes %.2fx PyTorch'"'"'s time per epoch\n", g/t}'
