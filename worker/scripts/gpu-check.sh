#!/usr/bin/env bash
# One-shot GPU check: installs the pinned deps, runs the GPU-marked tests and the timing script.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -r requirements-ci.txt
python3 -m pytest -q -m gpu tests
python3 scripts/gpu_check.py "$@"
