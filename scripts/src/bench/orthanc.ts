// Orthanc as a same-run reference: its Debian package, started inside a private network namespace
// (it cannot bind to loopback only), with the same files uploaded by the same number of clients.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface OrthancIngest { instancesPerS: number; mbPerS: number; seconds: number; storedBytes: number; version: string }

export function orthancAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v Orthanc && command -v unshare'], { encoding: 'utf8' }).status === 0;
}

// Runs inside the namespace: start Orthanc, wait for it, upload with N clients, print JSON.
const CLIENT = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const [dir, config, clients] = process.argv.slice(2);
const orthanc = spawn('Orthanc', [config], { stdio: 'ignore' });
const base = 'http://127.0.0.1:8042';
const files = fs.readdirSync(path.join(dir, 'in')).sort().map((f) => fs.readFileSync(path.join(dir, 'in', f)));
(async () => {
  let version = '';
  for (let i = 0; i < 300 && !version; i++) {
    try { version = (await (await fetch(base + '/system')).json()).Version; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Number(clients) }, async () => {
    while (next < files.length) {
      const f = files[next++];
      const res = await fetch(base + '/instances', { method: 'POST', body: f });
      if (!res.ok) throw new Error('orthanc upload ' + res.status);
      await res.arrayBuffer();
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const stats = await (await fetch(base + '/statistics')).json();
  process.stdout.write(JSON.stringify({ seconds, version, storedBytes: Number(stats.TotalDiskSize) }));
  orthanc.kill('SIGTERM');
})().catch((e) => { console.error(e); orthanc.kill('SIGTERM'); process.exit(1); });
`;

export function measureOrthancIngest(files: Buffer[], clients: number, options: { compression: boolean }): OrthancIngest {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orthanc-bench-'));
  try {
    const input = path.join(dir, 'in');
    spawnSync('mkdir', ['-p', input, path.join(dir, 'db')]);
    files.forEach((f, i) => writeFileSync(path.join(input, `${String(i).padStart(5, '0')}.dcm`), f));
    const config = path.join(dir, 'orthanc.json');
    writeFileSync(config, JSON.stringify({
      Name: 'bench', StorageDirectory: path.join(dir, 'db'), IndexDirectory: path.join(dir, 'db'),
      StorageCompression: options.compression, HttpPort: 8042, DicomPort: 4242, RemoteAccessAllowed: false,
      AuthenticationEnabled: false, Plugins: [], HttpThreadsCount: 50,
    }));
    writeFileSync(path.join(dir, 'client.js'), CLIENT);
    const run = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && "${process.execPath}" client.js "${dir}" "${config}" ${clients}`], {
      cwd: dir, encoding: 'utf8', timeout: 600_000,
    });
    if (run.status !== 0) throw new Error(`Orthanc run failed: ${run.stderr.slice(-500)}`);
    const out = JSON.parse(run.stdout) as { seconds: number; version: string; storedBytes: number };
    const totalBytes = files.reduce((a, f) => a + f.length, 0);
    return { instancesPerS: files.length / out.seconds, mbPerS: totalBytes / 1e6 / out.seconds, seconds: out.seconds, storedBytes: out.storedBytes, version: out.version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
