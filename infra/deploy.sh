#!/usr/bin/env bash
# Deploys Visgate Deploy to a Google Cloud project: infra/deploy.sh PROJECT REGION [--dry-run]
# [--worker-image=IMAGE] [--shared-cache-url=s3://BUCKET/PREFIX [--shared-cache-endpoint=URL]
# [--shared-cache-allowed=ORG/MODEL,ORG/*] [--shared-cache-reject-unlisted]]. The plan is
# generated from the function manifest (infra/plan.ts); --dry-run prints every command without
# running any. A shared cache adds the secrets SHARED_CACHE_ACCESS_KEY_ID and
# SHARED_CACHE_SECRET_ACCESS_KEY (created empty; add their values before the functions deploy). Safe to re-run: existing resources are kept or updated.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: infra/deploy.sh PROJECT REGION [--dry-run] [--worker-image=IMAGE] [--shared-cache-url=s3://…]" >&2
  exit 2
fi
project="$1" region="$2"
shift 2
dry_run=false
extra=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    --worker-image=* | --shared-cache-url=* | --shared-cache-endpoint=* | --shared-cache-allowed=* | --shared-cache-reject-unlisted) extra+=("$arg") ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
plan="$(npx tsx infra/plan.ts "$project" "$region" "${extra[@]}")"
if [ "$dry_run" = true ]; then
  printf '%s\n' "$plan"
else
  bash -euo pipefail -c "$plan"
fi
