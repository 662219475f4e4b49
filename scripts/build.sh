#!/usr/bin/env bash
# Builds the web console (web/dist) and the tongxin binary with it embedded.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd web && npm run --silent build)
version=$(git describe --always --dirty 2>/dev/null || echo dev)
mkdir -p bin
go build -tags webui -ldflags "-X github.com/tongxin/tongxin/internal/cli.Version=$version" -o bin/tongxin ./cmd/tongxin
echo "built bin/tongxin ($version)"
