#!/usr/bin/env bash
# Optional: reference servers the benchmarks run beside ours in the same run (Debian packages).
# Idempotent. orthanc-dicomweb: WADO-RS frames from Orthanc beside ours. Benchmarks fall back to DESIGN.md's reference figures when these are missing.
set -euo pipefail
command -v Orthanc >/dev/null 2>&1 && [ -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] && { echo "setup-bench: Orthanc present"; exit 0; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends orthanc orthanc-dicomweb >/dev/null
# The package starts a system service on 0.0.0.0:8042/4242; the benchmark runs its own instance
# inside a private network namespace instead.
($SUDO service orthanc stop || $SUDO pkill -x Orthanc || true) >/dev/null 2>&1
echo "setup-bench: Orthanc installed"
