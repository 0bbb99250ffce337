#!/usr/bin/env bash
# Generates every GPU-check module into .gpu/modules (run here, where Go is);
# the device machine then runs bench/gpu/check.py on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .gpu/modules && mkdir -p .gpu/modules
go build -o .gpu/gen ./cmd/gen
for g in examples/*.json bench/gpu/graphs/*.json; do
  name=$(basename "$g" .json)
  .gpu/gen -o ".gpu/modules/$name.py" "$g"
done
ls .gpu/modules | wc -l
