#!/bin/sh
# datagen.sh [datagen.py options]: Keras's ImageDataGenerator.flow_from_directory against
# gotl's data.FlowFromDirectory with the scene example's augmentation at 224×224, on the same
# JPEGs (made on first use: 15 classes × 40, mixed sizes), alternating over rounds; prints
# images/s and the ratio of medians. Needs Debian's python3-keras-preprocessing python3-pil
# python3-scipy python3-numpy.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/datagen" ./bench/datagen
/usr/bin/python3 -c 'import keras_preprocessing, PIL, scipy, numpy' 2>/dev/null || {
	echo "datagen.sh: needs apt-get install python3-keras-preprocessing python3-pil python3-scipy python3-numpy" >&2
	exit 1
}
export GOMAXPROCS="${GOMAXPROCS:-2}"
dir="${DATAGEN_DIR:-bench/out/datagen-images}"
exec /usr/bin/python3 bench/datagen.py --gotl "$tmp/datagen" --dir "$dir" "$@"
