#!/usr/bin/env bash
# Releases a Firestore security rules file through the Firebase Rules API (gcloud has no command for
# it; the Firebase CLI makes the same calls): create a ruleset, point cloud.firestore at it.
# python3 builds the JSON: it is there wherever gcloud is.
set -euo pipefail
project="$1" file="$2"
token="$(gcloud auth print-access-token)"
api="https://firebaserules.googleapis.com/v1/projects/${project}"
auth=(-H "Authorization: Bearer ${token}" -H 'Content-Type: application/json')
body="$(python3 -c 'import json,sys; print(json.dumps({"source":{"files":[{"name":"firestore.rules","content":open(sys.argv[1]).read()}]}}))' "$file")"
ruleset="$(curl -fsS -X POST "${auth[@]}" -d "$body" "${api}/rulesets" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')"
release="projects/${project}/releases/cloud.firestore"
curl -fsS -X PATCH "${auth[@]}" -d "{\"release\":{\"name\":\"${release}\",\"rulesetName\":\"${ruleset}\"}}" \
  "${api}/releases/cloud.firestore" >/dev/null ||
  curl -fsS -X POST "${auth[@]}" -d "{\"name\":\"${release}\",\"rulesetName\":\"${ruleset}\"}" \
    "${api}/releases" >/dev/null
echo "released ${ruleset} to cloud.firestore"
