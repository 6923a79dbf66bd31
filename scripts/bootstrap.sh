#!/usr/bin/env bash
# Makes sure what a command needs is installed, then runs it (npm test, npm run demo, dev and start
# call it, so they work on a fresh clone whose node is older than 24):
#   scripts/bootstrap.sh [node] [worker] [fuzz] [emulators] [chromium] -- <command…>
# Each part is idempotent and cached, so a second run costs a few checks:
#   node       Node 24 (the Cloud Functions runtime) from the npm registry package when the machine's
#              node is older, into ~/.cache/visgate/node24; then `npm ci` when package-lock.json changed
#   worker     the worker's pinned Python packages (worker/requirements-ci.txt, torch included) in a
#              virtual environment: built once per requirements hash under ~/.cache/visgate, linked
#              from .tools/worker-venv, and first on PATH so `python3` is that environment's
#   fuzz       Schemathesis, pinned, in its own venv (.tools/schemathesis-venv; its pins never meet the worker's)
#   emulators  Google's Firestore and Pub/Sub emulators (the Google Cloud CLI's apt packages) and Java
#   chromium   Debian's Chromium for the browser tests
#   console    the web console's assets (npm run build:console), for the servers that serve it
# VISGATE_CACHE moves the cache (default ~/.cache/visgate).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache="${VISGATE_CACHE:-$HOME/.cache/visgate}"
say() { printf '\033[2m[setup]\033[0m %s\n' "$*" >&2; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
hash_of() { cat "$@" | sha256sum | cut -c1-12; }

ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 24 ]; then
    local arch dir
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
    dir="${VISGATE_NODE_DIR:-$cache/node24}"
    if [ ! -x "$dir/node_modules/node-linux-$arch/bin/node" ]; then
      say "installing Node 24 into $dir (once)"
      npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" "node-linux-$arch@24" >/dev/null
    fi
    export PATH="$dir/node_modules/node-linux-$arch/bin:$PATH"
  fi
  local want
  want=$(hash_of package-lock.json)
  if [ "$(cat node_modules/.visgate-lock 2>/dev/null)" != "$want" ]; then
    say "installing npm dependencies (node $(node --version))"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >node_modules/.visgate-lock
  fi
}

ensure_worker_venv() {
  local key venv
  key=$( (cat worker/requirements-ci.txt; python3 --version) | sha256sum | cut -c1-12)
  venv="$cache/worker-venv-$key"
  if [ ! -f "$venv/.complete" ]; then
    say "installing the worker's Python packages into $venv (once; torch is large: minutes)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r worker/requirements-ci.txt
    touch "$venv/.complete"
  fi
  mkdir -p .tools
  ln -sfn "$venv" .tools/worker-venv
  export PATH="$root/.tools/worker-venv/bin:$PATH"
}

ensure_fuzz_venv() {
  local venv=.tools/schemathesis-venv want
  want=$(hash_of tools/schemathesis/requirements.txt)
  if [ "$(cat "$venv/.visgate-req" 2>/dev/null)" != "$want" ]; then
    say "installing Schemathesis into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tools/schemathesis/requirements.txt
    echo "$want" >"$venv/.visgate-req"
  fi
}

ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} (apt)"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_emulators() {
  # The machine image has the CLI, both emulator components and Java 17; the emulator packages
  # pull in a JDK where it is missing.
  ensure_apt google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator
  command -v java >/dev/null || { echo "Java is required by Google's emulators" >&2; exit 1; }
}

parts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do parts+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
for part in "${parts[@]}"; do
  case "$part" in
    node) ensure_node ;;
    worker) ensure_worker_venv ;;
    fuzz) ensure_fuzz_venv ;;
    emulators) ensure_emulators ;;
    chromium) ensure_apt chromium ;;
    console) npm run -s build:console >/dev/null ;;
    *) echo "bootstrap: unknown part $part" >&2; exit 2 ;;
  esac
done
[ $# -eq 0 ] || exec "$@"
