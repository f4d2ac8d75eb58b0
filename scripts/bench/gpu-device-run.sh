#!/bin/bash
# Runs on the device machine, from the repo root: unpacks the carried node + node_modules and the
# Vulkan loader packages (into /tmp, never into /), then
#   - scripts/bench/gpu-retrain.js (fineTune: weak64 250 steps and v1 60 steps) on webgpu, one after
#     the other, while the same two runs on wasm go on in the background on other CPU cores
#     (wasm is single-threaded in Node; the machine has 16 cores), and
#   - scripts/bench/gpu-check.js on webgpu, then on wasm, then compares them (RUN_CHECK=0 skips it).
# Everything lands in $OUT: results.tar.gz (all JSON and logs), plus gpu.json / retrain-*.json
# copied beside it (the device tool returns at most 8 files). Stages are time-boxed so the whole
# command ends inside DEADLINE_S (default 540 s) of its start.
#   env: RUN_CHECK=0|1 (1)  RUN_RETRAIN=0|1 (1)  DEADLINE_S (540)  GPU_CHECK_ARGS  RETRAIN_ARGS
set -u
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
W="$OUT/all"; mkdir -p "$W"
B=/tmp/gpub; REF=/tmp/gpu-ref
rm -rf "$B" "$REF"; mkdir -p "$B/vk" "$REF"
t0=$(date +%s)
tar xJf .gpu-bundle/bundle.tar.xz -C "$B" || { echo "bundle unpack failed"; exit 1; }
for f in .gpu-bundle/debs/*.deb; do dpkg -x "$f" "$B/vk"; done
export LD_LIBRARY_PATH="$B/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "unpacked in $(( $(date +%s) - t0 )) s"
{
  echo "== uname"; uname -a
  echo "== nvidia-smi"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
  echo "== ICD files"; ls -la /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
  echo "== ldconfig vulkan/GLX/EGL"; ldconfig -p | grep -Ei 'vulkan|GLX|EGL|GLdispatch' 2>&1
  echo "== carried libs"; ls "$B/vk/usr/lib/x86_64-linux-gnu"
  echo "== nproc"; nproc
  echo "== libGLX_nvidia"; ls -la /usr/lib/x86_64-linux-gnu/libGLX_nvidia* /usr/local/nvidia/lib64/libGLX_nvidia* 2>&1
} > "$W/env.txt" 2>&1
# The NVIDIA Vulkan ICD: standard locations first, then the driver's own folder.
if [ -z "${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$f" ] && { export VK_DRIVER_FILES="$f"; break; }
  done
fi
if [ -z "${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
  f=$(find /usr /etc /opt -maxdepth 7 -name 'nvidia_icd*.json' 2>/dev/null | head -1)
  if [ -n "$f" ]; then export VK_DRIVER_FILES="$f"
  else # no manifest anywhere: write one for the driver's Vulkan library
    printf '{"file_format_version":"1.0.1","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3.0"}}\n' > /tmp/nvidia_icd.json
    export VK_DRIVER_FILES=/tmp/nvidia_icd.json
  fi
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"; done
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<default search>} LD_LIBRARY_PATH=$LD_LIBRARY_PATH" | tee -a "$W/env.txt"
for f in ${VK_DRIVER_FILES:-/usr/share/vulkan/icd.d/nvidia_icd.json}; do [ -f "$f" ] && { echo "== $f"; cat "$f"; } >> "$W/env.txt"; done

N="$B/node"; export ML_NODE_MODULES="$B/node_modules"
C=scripts/bench/gpu-check.js; R=scripts/bench/gpu-retrain.js
DEADLINE=$(( t0 + ${DEADLINE_S:-540} ))
tl() { local left=$(( DEADLINE - $(date +%s) )); [ "$left" -lt 5 ] && left=5; [ "$left" -lt "$1" ] && echo "$left" || echo "$1"; }
RUN_CHECK=${RUN_CHECK:-1}; RUN_RETRAIN=${RUN_RETRAIN:-1}
"$N" --version

# wasm in the background (CPU only): v1 on one core, weak64 then gpu-check wasm on another
retrain() { # backend model limit_s
  local b=$1 m=$2 lim; lim=$(tl "$3")
  timeout "$lim" "$N" $R "$b" --model "$m" --out "$W/retrain-$b-$m.json" ${RETRAIN_ARGS:-} > "$W/retrain-$b-$m.log" 2>&1
  local rc=$?; echo "retrain $b $m rc=$rc (limit ${lim} s)" | tee -a "$W/retrain-$b-$m.log"; return $rc
}
pids=()
if [ "$RUN_RETRAIN" = 1 ]; then
  retrain wasm v1 440 & pids+=($!)
fi
(
  [ "$RUN_RETRAIN" = 1 ] && retrain wasm weak64 260
  if [ "$RUN_CHECK" = 1 ]; then
    lim=$(tl 240); timeout "$lim" "$N" $C wasm --out "$W" --ref "$REF" ${GPU_CHECK_ARGS:-} > "$W/check-wasm.log" 2>&1
    echo "check wasm rc=$? (limit ${lim} s)" | tee -a "$W/check-wasm.log"
  fi
) & pids+=($!)

# webgpu in the foreground, one process at a time on the GPU
if [ "$RUN_RETRAIN" = 1 ]; then
  retrain webgpu weak64 300; rc=$?
  tail -4 "$W/retrain-webgpu-weak64.log"
  if [ "$rc" = 2 ]; then
    # webgpu did not start: loader diagnostics
    VK_LOADER_DEBUG=error,warn,driver timeout 60 "$N" -e "import('$ML_NODE_MODULES/webgpu/index.js').then(async d=>{const a=await d.create([]).requestAdapter();console.log('adapter',a&&a.info&&a.info.description)})" 2>&1 | head -300 > "$W/vkdebug.log"
    tail -40 "$W/vkdebug.log"
  else
    retrain webgpu v1 160; tail -4 "$W/retrain-webgpu-v1.log"
  fi
fi
if [ "$RUN_CHECK" = 1 ]; then
  lim=$(tl 150); timeout "$lim" "$N" $C webgpu --out "$W" --ref "$REF" ${GPU_CHECK_ARGS:-} > "$W/check-webgpu.log" 2>&1
  echo "check webgpu rc=$? (limit ${lim} s)" | tee -a "$W/check-webgpu.log"
fi
echo "webgpu stages done at $(( $(date +%s) - t0 )) s; waiting for wasm"
wait "${pids[@]}"
for m in weak64 v1; do tail -3 "$W/retrain-wasm-$m.log" 2>/dev/null; done
if [ "$RUN_CHECK" = 1 ]; then
  timeout 60 "$N" $C compare --a webgpu --b wasm --out "$W" --ref "$REF" > "$W/compare.log" 2>&1
  echo "compare rc=$?"; head -c 3000 "$W/compare.log"; echo
fi
echo "total $(( $(date +%s) - t0 )) s" | tee -a "$W/env.txt"
tar czf "$OUT/results.tar.gz" -C "$W" . && {
  for f in "$W"/gpu.json "$W"/retrain-*.json; do [ -f "$f" ] && cp "$f" "$OUT/"; done
  rm -rf "$W"
}
ls -la "$OUT"
