#!/bin/sh
# run.sh [peers.py options]: the whole side-by-side table of gotl against its peers on 2
# threads: SGEMM against OpenBLAS, ResNet101 inference and a training step against PyTorch
# 1.13 (eager and TorchScript), the Fashion-MNIST epoch against PyTorch; see peers.py.
# Needs Debian's python3-torch, python3-numpy, libopenblas0 and dataset-fashion-mnist.
#
#	bench/run.sh                           # everything, 3 rounds (about half an hour)
#	bench/run.sh --sections sgemm --rounds 5
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/gemm.test" ./internal/cpu/gemm
go build -o "$bin/resnet101" ./bench/resnet101
/usr/bin/python3 -c 'import torch, numpy' || {
	echo "run.sh: needs apt-get install python3-torch python3-numpy libopenblas0 dataset-fashion-mnist" >&2
	exit 1
}
exec /usr/bin/python3 bench/peers.py --gemm-test "$bin/gemm.test" --resnet101 "$bin/resnet101" "$@"
