#!/usr/bin/env bash
# Installs everything the run and test commands need on a fresh Debian machine
# of this kind: Debian packages (chromium for the browser tests, PostgreSQL 15
# for the test cluster), Go modules and the web UI's npm packages.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# A CJK font, so that Chinese renders in the browser tests' screenshots.
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "setup: Go modules"
go mod download

if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "setup: npm packages"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
