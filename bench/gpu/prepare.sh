#!/usr/bin/env bash
# Generates every GPU-check module into .gpu/modules (run here, where Go is);
# the device machine then runs bench/gpu/check.py on them. It also renders the
# golden cases into .gpu/golden for bench/gpu/golden_check.py (below).
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .gpu/modules && mkdir -p .gpu/modules
go build -o .gpu/gen ./cmd/gen
go build -o .gpu/lower ./bench/gpu/lower
for g in examples/*.json bench/gpu/graphs/*.json; do
  name=$(basename "$g" .json)
  .gpu/gen -o ".gpu/modules/$name.py" "$g"
done
ls .gpu/modules | wc -l

# Golden cases for bench/gpu/golden_check.py: every case rendered for cuda
# (with its templates overlay and -autotune, as its case.json says) into
# .gpu/golden/<case>.py, beside its graph lowered to loop nodes as
# .gpu/golden/<case>.json.
# Cases whose case.json lists devices without cuda are left out.
rm -rf .gpu/golden && mkdir -p .gpu/golden
for dir in golden/testdata/*/; do
  dir=${dir%/}
  case=$(basename "$dir")
  [ -f "$dir/graph.json" ] || continue
  if grep -q '"symbols"' "$dir/graph.json"; then
    # Symbolic graphs are checked at several sizes by bench/gpu/symbolic.py.
    echo "golden $case: symbolic, left to symbolic.py"
    continue
  fi
  tmpl=""
  autotune=no
  if [ -f "$dir/case.json" ]; then
    read -r has_cuda autotune tmpl < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
devices = c.get("devices") or ["cuda"]
print("yes" if "cuda" in devices else "no", "yes" if c.get("autotune") else "no", c.get("templates") or "")' "$dir/case.json")
    if [ "$has_cuda" != yes ]; then
      echo "golden $case: no cuda device, skipped"
      continue
    fi
  fi
  flags=(-device cuda)
  [ -n "$tmpl" ] && flags+=(-templates "$dir/$tmpl")
  [ "$autotune" = yes ] && flags+=(-autotune)
  .gpu/gen "${flags[@]}" -o ".gpu/golden/$case.py" "$dir/graph.json"
  # The interpreter reads loop nodes: tensor-op graphs go in lowered.
  .gpu/lower "$dir/graph.json" > ".gpu/golden/$case.json"
done
ls .gpu/golden/*.py | wc -l
