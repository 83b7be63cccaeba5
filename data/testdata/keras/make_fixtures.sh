#!/bin/sh
# Re-records the Keras fixtures of package data (pixels.json/.bin, pixels/, listing.json).
# Needs Debian's python3-keras-preprocessing python3-pil python3-scipy python3-numpy.
set -eu
cd "$(dirname "$0")"
/usr/bin/python3 keras_pixels.py
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
(cd ../../.. && go test ./data -run TestWriteKerasTree -count=1 -args -keras-tree="$tree")
/usr/bin/python3 keras_listing.py "$tree/classes" listing.json
