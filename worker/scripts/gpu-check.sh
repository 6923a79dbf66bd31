#!/usr/bin/env bash
# GPU check in two steps, so that the GPU machine needs no network at all:
#
#   scripts/gpu-check.sh prepare [WHEELS]        where PyPI is reachable (any OS): downloads every wheel
#                                                the run needs, for Linux x86_64 / CPython 3.11, into
#                                                WHEELS (default .gpu-wheels), with requirements.txt
#   scripts/gpu-check.sh run [WHEELS] [-- ARGS]  on the GPU machine, offline: a venv from those wheels
#                                                only (pip --no-index), the GPU-marked tests, then
#                                                scripts/gpu_check.py ARGS (its table; see its header)
#
# The pins are the shipped stack's (scripts/gpu_check.py requirements: the Dockerfile's torch, the
# pyproject.toml runtime pins, pytest). Tiny pipelines are built from random weights, so the run
# downloads no model either. On one GPU the run takes about 3 minutes (most of it installing torch).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,9p' "$0" >&2
  exit 2
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
wheels=".gpu-wheels"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  wheels="$1"
  shift
fi
[ "${1:-}" = "--" ] && shift
python="${VISGATE_GPU_PYTHON:-python3}"

case "$cmd" in
  prepare)
    mkdir -p "$wheels"
    "$python" scripts/gpu_check.py requirements >"$wheels/requirements.txt"
    # pip does not widen a manylinux_2_x platform to older glibc tags: name the ones the pins ship
    # (torch manylinux_2_28, triton 2_27, most others manylinux2014 = 2_17, which pip widens).
    "$python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
      --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp \
      --dest "$wheels" -r "$wheels/requirements.txt"
    echo "wheels for the GPU check in $wheels ($(du -sh "$wheels" | cut -f1)); copy it to the GPU machine"
    ;;
  run)
    if [ ! -f "$wheels/requirements.txt" ]; then
      echo "no $wheels/requirements.txt: run 'scripts/gpu-check.sh prepare $wheels' where PyPI is reachable" >&2
      exit 2
    fi
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    if [ "$version" != "3.11" ]; then
      echo "$python is Python $version; the wheels are for 3.11 (set VISGATE_GPU_PYTHON)" >&2
      exit 2
    fi
    started=$SECONDS
    # --no-index: only the prepared wheels, never the network. A dry run first: a folder that does
    # not cover every pin fails here in seconds, before a venv is made.
    if ! "$python" -m pip install --dry-run --ignore-installed --quiet --disable-pip-version-check \
      --no-index --find-links "$wheels" -r "$wheels/requirements.txt"; then
      echo "the wheels in $wheels do not cover $wheels/requirements.txt: run prepare again" >&2
      exit 2
    fi
    venv="$(mktemp -d)/venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$wheels" \
      -r "$wheels/requirements.txt"
    echo "installed from $wheels in $((SECONDS - started))s"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -m gpu tests
    "$venv/bin/python" scripts/gpu_check.py "$@"
    echo "gpu check done in $((SECONDS - started))s"
    ;;
  *) usage ;;
esac
