# The two commands on a fresh clone, and the everyday ones. Each installs what it needs first
# (scripts/bootstrap.sh: idempotent, cached), so Node 20 and Python 3.11 on PATH are enough.
.PHONY: demo dev start test cli
BOOT := scripts/bootstrap.sh

demo:   ## the whole flow offline on the simulators
	@$(BOOT) node -- npm run demo
dev:    ## the server on the RunPod and Hub simulators (npm run dev)
	@$(BOOT) node -- npm run dev
start:  ## the server against the real RunPod and Hugging Face (npm start)
	@$(BOOT) node -- npm start
cli:    ## the visgate command: packs the built CLI and installs that package globally (a copy, no tsx)
	@$(BOOT) node -- bash -c 'rm -rf .build/cli && mkdir -p .build/cli && npm pack -w cli --silent --pack-destination .build/cli >/dev/null && npm install -g --no-audit --no-fund .build/cli/*.tgz'
test:   ## every check and test (npm test), with the worker's Python, Schemathesis, emulators, Chromium
	@$(BOOT) node worker fuzz emulators chromium -- npm test
