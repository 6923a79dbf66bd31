#!/usr/bin/env bash
# Deploys Visgate Deploy to a Google Cloud project:
#   infra/deploy.sh PROJECT REGION --worker-image=IMAGE [--public-base-url=https://DOMAIN] [--dry-run]
#     [--shared-cache-url=s3://BUCKET/PREFIX [--shared-cache-endpoint=URL]
#      [--shared-cache-allowed=ORG/MODEL,ORG/*] [--shared-cache-reject-unlisted]]
#     [--firebase-api-key=KEY --firebase-app-id=APP_ID]
# or removes everything a deploy created (functions, scheduler job, topics, subscriptions, queues,
# secrets, service accounts and role bindings, the worker repository's public read binding, the
# Firestore database); the worker repository itself only with --delete-worker-repository (it may
# hold images cloudbuild.yaml or you pushed):
#   infra/deploy.sh PROJECT REGION --teardown --worker-image=IMAGE [--delete-worker-repository]
#     [--dry-run] [--yes]
# The plan is generated from the function manifest (infra/plan.ts); --dry-run prints every command
# without running any. The worker image is required and must not be the placeholder default: when
# it lives in this project's Artifact Registry, that repository is made publicly readable so RunPod
# can pull it. A shared cache adds the secrets SHARED_CACHE_ACCESS_KEY_ID and
# SHARED_CACHE_SECRET_ACCESS_KEY (created empty; add their values before the functions deploy).
# The Firebase web app's apiKey and appId make the web console listen to Firestore (else SSE).
# Safe to re-run: existing resources are kept or updated.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: infra/deploy.sh PROJECT REGION --worker-image=IMAGE [--dry-run] [--shared-cache-url=s3://…] | --teardown [--delete-worker-repository] [--yes]" >&2
  exit 2
fi
project="$1" region="$2"
shift 2
dry_run=false teardown=false yes=false
extra=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    --teardown) teardown=true; extra+=("$arg") ;;
    --yes) yes=true ;;
    --delete-worker-repository | --worker-image=* | --public-base-url=* | --shared-cache-url=* | --shared-cache-endpoint=* | --shared-cache-allowed=* | --shared-cache-reject-unlisted | --firebase-api-key=* | --firebase-app-id=*) extra+=("$arg") ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
plan="$(npx tsx infra/plan.ts "$project" "$region" "${extra[@]}")"
if [ "$dry_run" = true ]; then
  printf '%s\n' "$plan"
  exit 0
fi
if [ "$teardown" = true ] && [ "$yes" != true ]; then
  read -r -p "Delete every Visgate resource and the Firestore database (all data) of ${project}? Type the project id: " answer
  [ "$answer" = "$project" ] || { echo "aborted" >&2; exit 1; }
fi
bash -euo pipefail -c "$plan"
