#!/bin/bash
# Rebuilds .gpu-bundle/, the folder a `device` run carries to a GPU machine that has no network and
# no Node (see scripts/bench/gpu-device-run.sh and shared/tools/gpu/README.md):
#
#   .gpu-bundle/bundle.tar.xz   node (this machine's node, stripped) and node_modules/ holding
#                               @imaging/ml (dist/*.js, package.json, weights/v1, weights/weak64),
#                               @tensorflow/* and their small deps, and webgpu (Dawn for Node),
#                               pruned to the files `require` actually loads
#   .gpu-bundle/debs/*.deb      Vulkan/GL loader packages (libvulkan1 libglvnd0 libegl1 libglx0 libgl1)
#   .gpu-bundle/device-run.sh   a copy of scripts/bench/gpu-device-run.sh
#   .gpu-bundle/manifest.txt    what went in (versions, sizes, checksums)
#
# Needs, first:  npm ci && npx turbo run build --filter=@imaging/ml
# Uses only the npm registry (`npm pack webgpu@VERSION`, cached by npm) and Debian's archive
# (`apt-get download`). Idempotent: every run rebuilds the whole folder from the repo.
#
#   bash scripts/bench/gpu-bundle.sh [--no-verify]
#
# The pruning is traced, not listed: the packages @imaging/ml depends on (their whole dependency
# closure, plus webgpu) are staged in a temp dir, gpu-check.js and gpu-retrain.js run there in tiny
# modes on wasm (and on webgpu up to its expected BackendUnavailableError when there is no GPU)
# under a preload that records every module in require.cache and every file read through fs; the
# bundle keeps those files, the package.json files on their way up, each package's main entry
# (webgpu's index.js is ESM, so never in require.cache), its LICENSE, and the assets nothing
# traces here: the three tfjs wasm binaries and dawn.node. The result is unpacked and run again
# (wasm must pass, webgpu must fail only with BackendUnavailableError on a machine without a GPU).
set -euo pipefail

WEBGPU_VERSION=0.6.2
TFJS_VERSION=4.22.0
DEBS=(libvulkan1 libglvnd0 libegl1 libglx0 libgl1)
MAX_BYTES=$((60 * 1024 * 1024))   # the device tool carries 64 MiB in all, the repo included

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
DEST="$ROOT/.gpu-bundle"
VERIFY=1
[ "${1:-}" = "--no-verify" ] && VERIFY=0

say() { echo "[gpu-bundle] $*"; }
die() { echo "[gpu-bundle] ERROR: $*" >&2; exit 1; }

# ---- preconditions ----------------------------------------------------------------------------
[ "$(uname -m)" = x86_64 ] || die "the device machine is x86-64; build the bundle on x86-64 (this is $(uname -m))"
NODE_BIN=$(command -v node) || die "node not found"
for t in strip xz tar npm apt-get dpkg-deb; do command -v $t >/dev/null || die "$t not found"; done
[ -f node_modules/@tensorflow/tfjs/package.json ] || die "node_modules missing: run npm ci first"
[ -f packages/ml/dist/index.js ] || die "packages/ml/dist missing: run npx turbo run build --filter=@imaging/ml first"
for d in v1 weak64; do [ -f "packages/ml/weights/$d/model.json" ] || die "packages/ml/weights/$d missing"; done
have=$(node -p "require('./node_modules/@tensorflow/tfjs/package.json').version")
[ "$have" = "$TFJS_VERSION" ] || say "warning: @tensorflow/tfjs is $have, the bundle was verified with $TFJS_VERSION"
newer=$(find packages/ml/src -name '*.ts' ! -name '*.test.ts' -newer packages/ml/dist/index.js | head -3)
[ -z "$newer" ] || say "warning: sources newer than packages/ml/dist (rebuild?): $newer"
grep -qxF '/.gpu-bundle/' .git/info/exclude 2>/dev/null || say "warning: /.gpu-bundle/ is not in .git/info/exclude (it must not be committed)"

WORK=$(mktemp -d /tmp/gpu-bundle.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
S="$WORK/stage"; F="$WORK/final"; NM="$S/node_modules"
mkdir -p "$NM" "$F/node_modules"

# ---- 1. node ----------------------------------------------------------------------------------
strip -o "$S/node" "$NODE_BIN"
say "node $("$S/node" --version) stripped: $(stat -c %s "$S/node") bytes"

# ---- 2. stage @imaging/ml's dependency closure (resolved the way Node resolves it) ------------
node - "$ROOT" > "$WORK/closure.txt" <<'EOF'
const fs = require('fs'), path = require('path');
const root = fs.realpathSync(process.argv[2]);
const rootNm = path.join(root, 'node_modules');
const seen = new Set();
const out = [];
function resolvePkg(from, name) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(p)) return fs.realpathSync(path.dirname(p));
    if (dir === path.dirname(dir)) return null;
  }
}
function visit(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const names = new Set([...Object.keys(pkg.dependencies || {}), ...Object.keys(pkg.optionalDependencies || {}), ...Object.keys(pkg.peerDependencies || {})]);
  for (const name of names) {
    if (name.startsWith('@types/')) continue;
    const d = resolvePkg(dir, name);
    if (!d) { if (name !== 'webgpu') console.error(`[gpu-bundle] note: ${name} (needed by ${pkg.name}) is not installed; skipped`); continue; }
    if (seen.has(d)) continue;
    seen.add(d);
    if (!d.startsWith(rootNm + path.sep)) { console.error(`[gpu-bundle] note: ${name} resolves outside node_modules (${d}); skipped`); continue; }
    out.push(path.relative(rootNm, d));
    visit(d);
  }
}
visit(path.join(root, 'packages', 'ml'));
console.log(out.sort().join('\n'));
EOF
while read -r rel; do
  [ -n "$rel" ] || continue
  [ -e "$NM/$rel" ] && continue   # nested in a package copied already (the list is sorted)
  mkdir -p "$NM/$(dirname "$rel")"
  cp -rL "node_modules/$rel" "$NM/$rel"
done < "$WORK/closure.txt"
say "staged $(wc -l < "$WORK/closure.txt") packages from node_modules"

# @imaging/ml itself: package.json, compiled JavaScript (no maps, no declarations), the two weight sets
ML="$NM/@imaging/ml"
mkdir -p "$ML/weights"
cp packages/ml/package.json "$ML/"
(cd packages/ml && find dist -name '*.js' ! -name '*.test.js' -exec cp --parents -t "$ML/" {} +)
cp -r packages/ml/weights/v1 packages/ml/weights/weak64 "$ML/weights/"

# webgpu (Dawn's Node bindings, prebuilt dawn.node inside the npm tarball): from the npm registry
(cd "$WORK" && npm pack --silent "webgpu@$WEBGPU_VERSION" > pack.txt) || die "npm pack webgpu@$WEBGPU_VERSION failed"
mkdir -p "$NM/webgpu"
tar xzf "$WORK/$(tail -1 "$WORK/pack.txt")" -C "$NM/webgpu" --strip-components=1
[ -f "$NM/webgpu/dist/linux-x64/dawn.node" ] || die "webgpu@$WEBGPU_VERSION has no dist/linux-x64/dawn.node"

# ---- 3. trace what require loads --------------------------------------------------------------
cat > "$WORK/trace.js" <<'EOF'
// preload: records modules (require.cache) and files read through fs, per thread, at exit
const fs = require('fs'), path = require('path');
const seen = new Set();
const wrap = (obj, name) => { const orig = obj[name]; obj[name] = function (p, ...rest) { if (typeof p === 'string') seen.add(path.resolve(p)); return orig.call(this, p, ...rest); }; };
for (const n of ['readFileSync', 'openSync', 'readFile', 'open', 'createReadStream']) wrap(fs, n);
for (const n of ['readFile', 'open']) wrap(fs.promises, n);
const write = fs.appendFileSync.bind(fs);
process.on('exit', () => { for (const k of Object.keys(require.cache)) seen.add(k); write(process.env.GPU_BUNDLE_TRACE, [...seen].join('\n') + '\n'); });
EOF
TRACE="$WORK/trace.txt"; : > "$TRACE"
run_traced() { # expected-rc args...
  local want=$1; shift
  set +e
  GPU_BUNDLE_TRACE="$TRACE" ML_NODE_MODULES="$NM" "$S/node" -r "$WORK/trace.js" "$@" > "$WORK/trace-run.log" 2>&1
  local rc=$?
  set -e
  [ "$rc" = "$want" ] || { tail -30 "$WORK/trace-run.log"; die "traced run '$*' exited $rc (wanted $want)"; }
}
T="$WORK/trace-out"; mkdir -p "$T"
CHECK_TINY=(--out "$T" --ref "$T/ref" --batches 1 --min-ms 0 --series 1 --slices 2 --train-steps 1)
run_traced 0 scripts/bench/gpu-check.js wasm "${CHECK_TINY[@]}"
run_traced 0 scripts/bench/gpu-retrain.js wasm --model weak64 --steps 1 --held-out-series 1 --out "$T/r1.json"
run_traced 0 scripts/bench/gpu-retrain.js wasm --model v1 --steps 1 --held-out-series 1 --out "$T/r2.json"
# webgpu: loads webgpu + tfjs-backend-webgpu, then (no GPU here) fails in setBackend with exit 2.
# On a machine with a GPU this runs through instead, which traces the same modules.
set +e
GPU_BUNDLE_TRACE="$TRACE" ML_NODE_MODULES="$NM" "$S/node" -r "$WORK/trace.js" scripts/bench/gpu-retrain.js webgpu --steps 1 --held-out-series 1 --out "$T/r3.json" > "$WORK/trace-run.log" 2>&1
rc=$?
set -e
case $rc in 0|2) ;; *) tail -30 "$WORK/trace-run.log"; die "traced webgpu run exited $rc";; esac

# ---- 4. prune: keep traced files, their package.json files, main entries, licences, assets -----
node - "$NM" "$TRACE" "$F/node_modules" <<'EOF'
const fs = require('fs'), path = require('path');
const [nm, traceFile, dest] = process.argv.slice(2).map((p) => path.resolve(p));
const keep = new Set();
const inNm = (f) => f.startsWith(nm + path.sep);
const traced = fs.readFileSync(traceFile, 'utf8').split('\n').filter(Boolean).map((f) => path.resolve(f)).filter((f) => inNm(f) && fs.existsSync(f) && fs.statSync(f).isFile());
const pkgRoots = new Set();
for (const f of traced) {
  keep.add(f);
  // every package.json between the file and node_modules/ (the loader reads them for "type"/"main")
  for (let d = path.dirname(f); inNm(d); d = path.dirname(d)) {
    const pj = path.join(d, 'package.json');
    if (fs.existsSync(pj)) { keep.add(pj); pkgRoots.add(d); }
  }
}
const always = ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', 'webgpu/dist/linux-x64/dawn.node', 'webgpu/index.js', 'webgpu/package.json'];
for (const a of always) { const f = path.join(nm, a); if (!fs.existsSync(f)) { console.error('missing asset ' + a); process.exit(1); } keep.add(f); }
// all of @imaging/ml (JavaScript and weights only were staged)
(function walk(d) { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); e.isDirectory() ? walk(p) : keep.add(p); } })(path.join(nm, '@imaging', 'ml'));
for (const root of pkgRoots) {
  let pkg = {};
  try { pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')); } catch { /* unreadable */ }
  if (!pkg.name) continue; // a nested package.json ("type" marker), not a package root
  for (const cand of [pkg.main, pkg.main && pkg.main + '.js', pkg.main && path.join(pkg.main, 'index.js'), 'index.js']) {
    if (cand && fs.existsSync(path.join(root, cand)) && fs.statSync(path.join(root, cand)).isFile()) { keep.add(path.join(root, cand)); break; }
  }
  for (const e of fs.readdirSync(root)) if (/^(licen[cs]e|notice)/i.test(e) && fs.statSync(path.join(root, e)).isFile()) keep.add(path.join(root, e));
}
let bytes = 0;
const pkgs = new Set();
for (const f of [...keep].sort()) {
  const rel = path.relative(nm, f);
  const to = path.join(dest, rel);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(f, to);
  bytes += fs.statSync(f).size;
  const parts = rel.split(path.sep);
  pkgs.add(parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
}
console.error(`[gpu-bundle] kept ${keep.size} files (${bytes} bytes) of ${pkgs.size} packages: ${[...pkgs].sort().join(' ')}`);
EOF
mv "$S/node" "$F/node"

# ---- 5. pack ----------------------------------------------------------------------------------
mkdir -p "$DEST"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$F" -cf - node node_modules \
  | xz -6 -T0 > "$WORK/bundle.tar.xz"

# ---- 6. Debian packages: the Vulkan / GL loaders (device-run.sh unpacks them into /tmp) -------
mkdir -p "$WORK/debs"
if ! (cd "$WORK/debs" && apt-get -qq download "${DEBS[@]}" 2>"$WORK/apt.err"); then
  say "apt-get download failed ($(head -1 "$WORK/apt.err")); running apt-get update and trying again"
  apt-get -qq update
  (cd "$WORK/debs" && apt-get -qq download "${DEBS[@]}")
fi
for d in "${DEBS[@]}"; do ls "$WORK/debs/${d}_"*_amd64.deb >/dev/null 2>&1 || die "no amd64 .deb for $d"; done

# ---- 7. verify: unpack and run ----------------------------------------------------------------
if [ "$VERIFY" = 1 ]; then
  V="$WORK/verify"; mkdir -p "$V"
  tar xJf "$WORK/bundle.tar.xz" -C "$V"
  VO="$WORK/verify-out"; mkdir -p "$VO"
  vrun() { ML_NODE_MODULES="$V/node_modules" "$V/node" "$@" > "$WORK/verify.log" 2>&1; }
  vrun scripts/bench/gpu-check.js wasm --out "$VO" --ref "$VO/ref" --batches 1 --min-ms 0 --series 1 --slices 2 --train-steps 2 \
    || { tail -30 "$WORK/verify.log"; die "unpacked bundle: gpu-check wasm failed"; }
  node -e "const r=require('$VO/gpu-check-wasm.json'); for (const v of ['float32','float16','uint8']) if (r.inference[v].error) throw new Error(v+': '+r.inference[v].error.message); if (r.training.error) throw new Error(r.training.error.message);" \
    || die "unpacked bundle: gpu-check wasm reported errors"
  vrun scripts/bench/gpu-retrain.js wasm --model weak64 --steps 3 --held-out-series 1 --out "$VO/retrain-wasm.json" \
    || { tail -30 "$WORK/verify.log"; die "unpacked bundle: gpu-retrain wasm failed"; }
  set +e; vrun scripts/bench/gpu-retrain.js webgpu --steps 2 --held-out-series 1 --out "$VO/retrain-webgpu.json"; rc=$?; set -e
  if [ "$rc" = 2 ]; then
    node -e "const r=require('$VO/retrain-webgpu.json'); if (!/unavailable/.test(r.initError.message) || /not installed/.test(r.initError.message)) throw new Error(r.initError.message); console.log('[gpu-bundle] webgpu here: ' + r.initError.message)" \
      || die "unpacked bundle: webgpu failed for another reason than a missing GPU"
  elif [ "$rc" = 0 ]; then say "webgpu ran here (a GPU is present)"
  else tail -30 "$WORK/verify.log"; die "unpacked bundle: gpu-retrain webgpu exited $rc"; fi
  say "verified: the unpacked bundle runs gpu-check and gpu-retrain on wasm"
fi

# ---- 8. install into .gpu-bundle/ (replacing what was there) -----------------------------------
rm -rf "$DEST/debs.new"; mkdir -p "$DEST/debs.new"
cp "$WORK"/debs/*.deb "$DEST/debs.new/"
rm -rf "$DEST/debs"; mv "$DEST/debs.new" "$DEST/debs"
mv "$WORK/bundle.tar.xz" "$DEST/bundle.tar.xz"
cp scripts/bench/gpu-device-run.sh "$DEST/device-run.sh"; chmod +x "$DEST/device-run.sh"
{
  echo "built $(date -u +%FT%TZ) by scripts/bench/gpu-bundle.sh from $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "node $("$F/node" --version); @tensorflow/tfjs $have; webgpu $WEBGPU_VERSION"
  echo "bundle.tar.xz $(stat -c %s "$DEST/bundle.tar.xz") bytes, unpacked $(du -sb "$F" | cut -f1) bytes, $(find "$F" -type f | wc -l) files"
  (cd "$DEST" && sha256sum bundle.tar.xz debs/*.deb)
} > "$DEST/manifest.txt"
total=$(du -sb "$DEST" | cut -f1)
cat "$DEST/manifest.txt"
[ "$total" -lt "$MAX_BYTES" ] || die ".gpu-bundle is $total bytes, over the $MAX_BYTES the device carry allows with the repo"
say "done: .gpu-bundle is $total bytes"
