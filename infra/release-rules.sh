#!/usr/bin/env bash
# Releases a Firestore security rules file through the Firebase Rules API (gcloud has no command for
# it; the Firebase CLI makes the same calls): create a ruleset, point cloud.firestore at it.
# python3 builds the JSON: it is there wherever gcloud is.
# The access token never appears on a command line (where `ps` shows it): curl reads the headers
# from a file only this user can read. `x-goog-user-project` bills the call to the project: with a
# user's credentials (gcloud auth login) the Rules API refuses a call without it.
set -euo pipefail
project="$1" file="$2"
api="https://firebaserules.googleapis.com/v1/projects/${project}"
headers="$(umask 077 && mktemp)"
trap 'rm -f "$headers"' EXIT
token="$(gcloud auth print-access-token)"
printf 'Authorization: Bearer %s\nx-goog-user-project: %s\nContent-Type: application/json\n' \
  "$token" "$project" >"$headers"
unset token
body="$(python3 -c 'import json,sys; print(json.dumps({"source":{"files":[{"name":"firestore.rules","content":open(sys.argv[1]).read()}]}}))' "$file")"
ruleset="$(curl -fsS -X POST -H "@${headers}" -d "$body" "${api}/rulesets" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')"
release="projects/${project}/releases/cloud.firestore"
curl -fsS -X PATCH -H "@${headers}" -d "{\"release\":{\"name\":\"${release}\",\"rulesetName\":\"${ruleset}\"}}" \
  "${api}/releases/cloud.firestore" >/dev/null ||
  curl -fsS -X POST -H "@${headers}" -d "{\"name\":\"${release}\",\"rulesetName\":\"${ruleset}\"}" \
    "${api}/releases" >/dev/null
echo "released ${ruleset} to cloud.firestore"
