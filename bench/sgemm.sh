#!/bin/sh
# sgemm.sh [sgemm.py options]: gotl's Sgemm against OpenBLAS (numpy) on 2 threads,
# alternating over rounds; see sgemm.py. Needs Debian's python3-numpy and libopenblas.
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/gemm.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./internal/cpu/gemm
export GOMAXPROCS=2 OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
/usr/bin/python3 -c 'import numpy' || { echo "sgemm.sh: needs python3-numpy (apt-get install python3-numpy libopenblas-dev)" >&2; exit 1; }
exec /usr/bin/python3 bench/sgemm.py --gotl "$bin" "$@"
