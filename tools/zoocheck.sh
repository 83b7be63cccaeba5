#!/usr/bin/env bash
# zoocheck: the zoo against the float64 reference on configurations beyond the shared golden
# fixtures — full input sizes (224, 299) with the top, non-square inputs, max pooling, other
# classes and seeds. For each configuration the reference harness (shared/reference/golden.py,
# keras_applications 1.0.8 evaluated in float64 by torch) writes its weights as .npy files in
# gotl's layout, the input and the output; `gotl predict -model` builds the model with the zoo
# builders, loads those weights by name and runs the input; the table gives
# max|gotl - ref| / max|ref| against the tolerance 1e-4, beside the reference's own float32
# (torch) error on the same graph.
#
#   tools/zoocheck.sh                      # every configuration below (~10 minutes, ~2 GB in $OUT)
#   tools/zoocheck.sh resnet101-top-224    # some of them
#   REFERENCE=/work/shared/reference OUT=/tmp/zoocheck tools/zoocheck.sh
#
# Needs Debian's /usr/bin/python3 with python3-keras-applications, python3-torch, python3-numpy.
# Not part of CI: it takes minutes and writes large weight files.
set -euo pipefail
cd "$(dirname "$0")/.."
REFERENCE=${REFERENCE:-/work/shared/reference}
OUT=${OUT:-/tmp/zoocheck}
PY=/usr/bin/python3

# name | golden.py arguments | gotl predict arguments
CONFIGS=(
  "resnet50-top-224|--model resnet50 --include-top --size 224 --seed 3|-model resnet50 -include-top"
  "resnet50-top10-80x112|--model resnet50 --include-top --classes 10 --size 80,112 --seed 4|-model resnet50 -include-top -classes 10 -input-shape 80,112,3"
  "resnet101-top-224|--model resnet101 --include-top --size 224 --seed 0|-model resnet101 -include-top"
  "resnet101-top-224-counter|--model resnet101 --weights counter --include-top --size 224 --seed 4 --input-seed 9|-model resnet101 -include-top"
  "resnet152-max-96x160|--model resnet152 --pooling max --size 96,160 --seed 5|-model resnet152 -pooling max"
  "resnet50v2-top-224|--model resnet50v2 --include-top --size 224 --seed 7|-model resnet50v2 -include-top"
  "resnet101v2-avg-200x150|--model resnet101v2 --pooling avg --size 200,150 --seed 11|-model resnet101v2 -pooling avg"
  "resnet152v2-max-121|--model resnet152v2 --pooling max --size 121 --seed 13|-model resnet152v2 -pooling max"
  "irv2-top-299|--model inception_resnet_v2 --include-top --size 299 --seed 17|-model inception_resnet_v2 -include-top"
  "irv2-max-299x320|--model inception_resnet_v2 --pooling max --size 299,320 --seed 3|-model inception_resnet_v2 -pooling max"
  "irv2-none-139x107|--model inception_resnet_v2 --pooling none --size 139,107 --seed 21|-model inception_resnet_v2"
  "vgg16-top-224|--model vgg16 --include-top --size 224 --seed 19|-model vgg16 -include-top"
  "vgg19-top10-64x96|--model vgg19 --include-top --classes 10 --size 64,96 --seed 23|-model vgg19 -include-top -classes 10 -input-shape 64,96,3"
  "vgg19-max-100x140|--model vgg19 --pooling max --size 100,140 --seed 29|-model vgg19 -pooling max"
)

mkdir -p "$OUT"
go build -o "$OUT/gotl" ./cmd/gotl
printf '%-28s %-22s %-13s %-13s %-6s %s\n' configuration output "gotl rel err" "torch f32" result "seconds (ref, gotl)"
status=0
for entry in "${CONFIGS[@]}"; do
  IFS='|' read -r name refargs gotlargs <<<"$entry"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  dir="$OUT/$name"
  rm -rf "$dir"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$PY" "$REFERENCE/golden.py" $refargs --batch 2 --taps none --no-arch-file --threads 2 --out "$dir" >"$dir.log" 2>&1 ||
    { echo "$name: golden.py failed (see $dir.log)"; status=1; continue; }
  t1=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$OUT/gotl" predict $gotlargs -weights "$dir/weights" -input "$dir/input.npy" -output "$dir/gotl.npy" -batch 2 >>"$dir.log" 2>&1 ||
    { echo "$name: gotl predict failed (see $dir.log)"; status=1; continue; }
  t2=$(date +%s.%N)
  "$PY" - "$dir" "$name" "$t0" "$t1" "$t2" <<'EOF' || status=1
import json, sys
import numpy as np
d, name, t0, t1, t2 = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
want, got = np.load(d + "/output.npy").astype(np.float64), np.load(d + "/gotl.npy").astype(np.float64)
meta = json.load(open(d + "/meta.json"))
if got.shape != want.shape:
    print("%-28s shape %s, reference %s: FAIL" % (name, got.shape, want.shape)); sys.exit(1)
err = np.abs(got - want).max() / np.abs(want).max()
ok = err <= 1e-4
print("%-28s %-22s %-13.3g %-13.3g %-6s %.0f, %.0f" % (name, str(tuple(want.shape)), err,
      meta["float32_check"]["max_rel_err_vs_max_abs_output"], "ok" if ok else "FAIL", t1 - t0, t2 - t1))
sys.exit(0 if ok else 1)
EOF
  rm -rf "$dir/weights"   # the large part; rerun a configuration to get it back
done
exit $status
