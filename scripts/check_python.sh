#!/usr/bin/env bash
# check_python.sh: check that the Python fusegen produces is valid Python.
#
# Generates the module of every examples/*.json for every embedded device
# (cuda, xpu, mtia, mps, cpu) and for the overlay device of
# examples/overlay-device, collects every golden/testdata/*/*.py.golden and
# every committed generated module (examples/*/*.py: the go generate
# examples), and runs on each file a syntax check (ast.parse) and pyflakes. Prints one line per file and a final
# line "python checks: N passed, M failed"; exits non-zero if any failed.
#
# Needs Go and a python3 that can import pyflakes. Debian's /usr/bin/python3
# is preferred (a pyenv python3 does not see Debian's python3-pyflakes). If no
# python3 has pyflakes and we run as root (CI), python3-pyflakes is installed
# with apt-get; otherwise the script stops with a message saying how.
#
set -euo pipefail

cd "$(dirname "$0")/.."

die() {
	echo "check_python: $*" >&2
	exit 2
}

has_pyflakes() {
	[ -n "$1" ] && "$1" -c 'import pyflakes' >/dev/null 2>&1
}

find_python() {
	local p
	for p in /usr/bin/python3 "$(command -v python3 || true)"; do
		if has_pyflakes "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

if ! PY=$(find_python); then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "check_python: pyflakes not found; installing python3-pyflakes with apt-get" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2 || die "apt-get update failed"
		apt-get install -y -qq python3-pyflakes >&2 || die "apt-get install python3-pyflakes failed"
		PY=$(find_python) || die "python3-pyflakes installed, but /usr/bin/python3 still cannot import pyflakes"
	else
		die "no python3 can import pyflakes; install it (Debian: sudo apt-get install python3-pyflakes; else: python3 -m pip install pyflakes)"
	fi
fi
echo "check_python: using $PY ($("$PY" --version 2>&1), pyflakes $("$PY" -m pyflakes --version 2>&1 | awk '{print $1}'))"

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

passed=0
failed=$gen_failed
for f in "${files[@]}"; do
	name=${f#"$tmp"/}
	if ! msg=$("$PY" -c 'import ast, sys
with open(sys.argv[1], "rb") as fh:
    ast.parse(fh.read(), sys.argv[1])' "$f" 2>&1); then
		echo "FAIL $name: syntax error"
		printf '%s\n' "$msg" | sed "s|$tmp/||g; s/^/    /"
		failed=$((failed + 1))
		continue
	fi
	if ! msg=$("$PY" -m pyflakes "$f" 2>&1); then
		echo "FAIL $name: pyflakes"
		printf '%s\n' "$msg" | sed "s|$tmp/||g; s/^/    /"
		failed=$((failed + 1))
	else
		echo "ok   $name"
		passed=$((passed + 1))
	fi
done

if [ $((passed + failed)) -eq 0 ]; then
	echo "python checks: no files to check (examples/*.json, examples/*/*.py, golden/testdata/*/*.py.golden)"
	exit 1
fi
echo "python checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
