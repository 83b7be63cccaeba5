#!/bin/sh
# resnet101.sh [resnet101.py options]: keras.applications' ResNet101 (224x224, top) in gotl
# (bench/resnet101) against PyTorch 1.13 on 2 threads, alternating over rounds: inference
# at batch 1 and 8, a training step at batch 8; see resnet101.py.
# Needs Debian's python3-torch (python3-numpy comes with it).
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/resnet101
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./bench/resnet101
export GOMAXPROCS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
# GNU OpenMP's threads spin while they wait; on a machine shared with other work that spinning
# starves them (measured here under load ~8: ResNet101 inference at batch 1 ran at 0.7-1.0 img/s
# spinning, 4.2-4.7 img/s passive). Passive waiting is what a loaded machine wants; set
# OMP_WAIT_POLICY=ACTIVE to measure PyTorch's default on an idle one.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
/usr/bin/python3 -c 'import torch' || { echo "resnet101.sh: needs python3-torch (apt-get install python3-torch)" >&2; exit 1; }
exec /usr/bin/python3 bench/resnet101.py --gotl "$bin" "$@"
