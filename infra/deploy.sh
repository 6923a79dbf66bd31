#!/usr/bin/env bash
# Deploys Visgate Deploy to a Google Cloud project: infra/deploy.sh PROJECT REGION [--dry-run]
# [--worker-image=IMAGE]. The plan is generated from the function manifest (infra/plan.ts); --dry-run
# prints every command without running any. Safe to re-run: existing resources are kept or updated.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: infra/deploy.sh PROJECT REGION [--dry-run] [--worker-image=IMAGE]" >&2
  exit 2
fi
project="$1" region="$2"
shift 2
dry_run=false
extra=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    --worker-image=*) extra+=("$arg") ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
plan="$(npx tsx infra/plan.ts "$project" "$region" "${extra[@]}")"
if [ "$dry_run" = true ]; then
  printf '%s\n' "$plan"
else
  bash -euo pipefail -c "$plan"
fi
