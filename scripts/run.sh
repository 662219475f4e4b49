#!/usr/bin/env bash
# Runs the product: installs what is missing, builds the console and the
# binary, and serves on http://localhost:8080 with an embedded SQLite database
# at ./data/tongxin.db, loading the demo district when it is empty.
# Extra arguments go to `tongxin serve` (e.g. --addr :9090).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# Open311 requests that give only an address go to the demo subdistrict's governance centre.
exec bin/tongxin serve --db ./data/tongxin.db --demo --open311-area 370211001 "$@"
