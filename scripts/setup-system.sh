#!/usr/bin/env bash
# Debian packages the project needs beyond Node: chromium (browser tests), redis-server (the
# private Redis of `npm start`), and the independent DICOM readers the SEG tests check our output
# with: python3-pydicom (+ numpy), dicom3tools (dciodvfy) and dcmtk (dcmdump; and echoscu, storescu,
# findscu, getscu, which the DIMSE tests run against apps/dimse). Idempotent:
# installs only what is missing. Python checks use Debian's /usr/bin/python3 (a pyenv python3 on
# PATH does not see Debian's modules).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v kubectl >/dev/null 2>&1 || need+=(kubectl) # renders infra/k8s in scripts/src/infra/k8s-manifests.int.test.ts
command -v psql >/dev/null 2>&1 || need+=(postgresql-client) # runs infra/sql/app-role.sql in scripts/src/infra/deploy-files.int.test.ts
command -v ip >/dev/null 2>&1 || need+=(iproute2) # network namespaces of scripts/src/multihost.int.test.ts
/usr/bin/python3 -c 'import pydicom' >/dev/null 2>&1 || need+=(python3-pydicom)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3-numpy)
command -v dciodvfy >/dev/null 2>&1 || need+=(dicom3tools)
command -v dcmdump >/dev/null 2>&1 && command -v storescu >/dev/null 2>&1 || need+=(dcmtk)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: all system packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup-system: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup-system: done"
