#!/usr/bin/env bash
# check_python.sh: check that the Python fusegen produces is valid Python.
#
# Generates the module of every examples/*.json for every embedded device
# (cuda, xpu, mtia, mps, cpu) and for the overlay device of
# examples/overlay-device, collects every golden/testdata/*/*.py.golden and
# every committed generated module (examples/*/*.py: the go generate
# examples), and runs on each file, in one Python process, a syntax check
# (ast.parse), pyflakes and black (the file must be as black formats it:
# Debian's black, line length 88). Prints one line per file and a final
# line "python checks: N passed, M failed". Then runs the host code of every
# module of symbolic sizes among them (the golden cases with symbols, as
# generated for cuda, and the example graphs with symbols) against the
# stand-ins of torch and Triton in scripts/hostcheck (check.py says what it
# checks): "host checks: N passed, M failed". Exits non-zero if any failed.
#
# Needs Go and a python3 that can import pyflakes and black. Debian's
# /usr/bin/python3 is preferred (a pyenv python3 does not see Debian's
# packages). If no python3 has both and we run as root (CI), python3-pyflakes
# and black are installed with apt-get; otherwise the script stops with a
# message saying how.
#
set -euo pipefail

cd "$(dirname "$0")/.."

die() {
	echo "check_python: $*" >&2
	exit 2
}

has_checkers() {
	[ -n "$1" ] && "$1" -c 'import pyflakes, black' >/dev/null 2>&1
}

find_python() {
	local p
	for p in /usr/bin/python3 "$(command -v python3 || true)"; do
		if has_checkers "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

if ! PY=$(find_python); then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "check_python: pyflakes or black not found; installing python3-pyflakes and black with apt-get" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2 || die "apt-get update failed"
		apt-get install -y -qq python3-pyflakes black >&2 || die "apt-get install python3-pyflakes black failed"
		PY=$(find_python) || die "python3-pyflakes and black installed, but /usr/bin/python3 still cannot import them"
	else
		die "no python3 can import pyflakes and black; install them (Debian: sudo apt-get install python3-pyflakes black; else: python3 -m pip install pyflakes black)"
	fi
fi
echo "check_python: using $PY ($("$PY" --version 2>&1), pyflakes $("$PY" -m pyflakes --version 2>&1 | awk '{print $1}'), black $("$PY" -c 'import black; print(black.__version__)'))"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_python.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Build the command once rather than go run for every graph and device.
go build -o "$tmp/gen" ./cmd/gen || die "go build ./cmd/gen failed"

files=()
gen_failed=0
shopt -s nullglob
for graph in examples/*.json; do
	base=$(basename "$graph" .json)
	for device in cuda xpu mtia mps cpu; do
		mkdir -p "$tmp/generated/$device"
		out="$tmp/generated/$device/$base.py"
		if "$tmp/gen" -device "$device" -o "$out" "$graph" 2>"$tmp/gen.err"; then
			files+=("$out")
		else
			echo "FAIL $graph (-device $device): gen failed: $(cat "$tmp/gen.err")"
			gen_failed=$((gen_failed + 1))
		fi
	done
done
for graph in examples/overlay-device/*.json; do
	base=$(basename "$graph" .json)
	mkdir -p "$tmp/generated/privateuseone"
	out="$tmp/generated/privateuseone/$base.py"
	if "$tmp/gen" -templates examples/overlay-device/templates -device privateuseone -o "$out" "$graph" 2>"$tmp/gen.err"; then
		files+=("$out")
	else
		echo "FAIL $graph (overlay device privateuseone): gen failed: $(cat "$tmp/gen.err")"
		gen_failed=$((gen_failed + 1))
	fi
done
for module in examples/*/*.py; do
	out="$tmp/committed/$module"
	mkdir -p "$(dirname "$out")"
	cp "$module" "$out"
	files+=("$out")
done
for golden in golden/testdata/*/*.py.golden; do
	rel=${golden#golden/testdata/}
	out="$tmp/golden/${rel%.golden}"
	mkdir -p "$(dirname "$out")"
	cp "$golden" "$out"
	files+=("$out")
done
shopt -u nullglob

# One Python process checks every file (syntax, pyflakes, black), where a
# process a file per check took most of the time.
if [ "${#files[@]}" -eq 0 ]; then
	echo "python checks: no files to check (examples/*.json, examples/*/*.py, golden/testdata/*/*.py.golden)"
	exit 1
fi
failed=$gen_failed
set +e
"$PY" - "$tmp" "$gen_failed" "${files[@]}" <<'PYEOF'
import ast
import io
import sys

import black
from pyflakes.api import check as flakes
from pyflakes.reporter import Reporter

tmp, gen_failed, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
mode = black.Mode()
passed = failed = 0
for path in files:
    name = path[len(tmp) + 1:]
    src = open(path, encoding="utf-8").read()
    problems = []
    try:
        ast.parse(src, name)
    except SyntaxError as e:
        problems.append(f"syntax error: line {e.lineno}: {e.msg}")
    if not problems:
        out, err = io.StringIO(), io.StringIO()
        if flakes(src, name, Reporter(out, err)):
            problems.append("pyflakes:\n" + (out.getvalue() + err.getvalue()).rstrip())
        try:
            if black.format_str(src, mode=mode) != src:
                problems.append("black would reformat it (run black on it to see how)")
        except Exception as e:  # black could not parse what ast did
            problems.append(f"black: {e}")
    if problems:
        failed += 1
        print(f"FAIL {name}: " + "\n    ".join(problems))
    else:
        passed += 1
        print(f"ok   {name}")
print(f"python checks: {passed} passed, {failed + gen_failed} failed")
sys.exit(1 if failed + gen_failed else 0)
PYEOF
rc=$?

# The host code of the modules of symbolic sizes runs against stand-ins of
# torch and Triton (scripts/hostcheck): each golden case with symbols, as
# generated for cuda, and each example graph with symbols. A case of an
# archive that is not specialized gives its symbols through the graph file
# the importer lowers it to (bench/gpu/lower).
host=()
go build -o "$tmp/lower" ./bench/gpu/lower || die "go build ./bench/gpu/lower failed"
for golden in golden/testdata/*/cuda.py.golden; do
	dir=$(dirname "$golden")
	graph=$dir/graph.json
	archive=
	if grep -qs '"archive"' "$dir/case.json"; then
		archive=$("$PY" -c 'import json, sys; c = json.load(open(sys.argv[1])); print("" if c.get("specialize") else c.get("archive", ""))' "$dir/case.json")
	fi
	if [ -n "$archive" ]; then
		graph=$tmp/archive-graphs/$(basename "$dir").json
		mkdir -p "$tmp/archive-graphs"
		"$tmp/lower" "$dir/$archive" >"$graph" || rc=1
	fi
	if grep -q '"symbols"' "$graph" 2>/dev/null; then
		host+=("$tmp/golden/${golden#golden/testdata/}" "$graph")
		host[-2]=${host[-2]%.golden}
	fi
done
for graph in examples/*.json; do
	if grep -q '"symbols"' "$graph"; then
		host+=("$tmp/generated/cuda/$(basename "$graph" .json).py" "$graph")
	fi
done
if [ "${#host[@]}" -gt 0 ]; then
	"$PY" scripts/hostcheck/check.py --root "$tmp" "${host[@]}" || rc=1
fi
set -e
exit $rc
