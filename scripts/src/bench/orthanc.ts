// Orthanc as a same-run reference: its Debian package, started inside a private network namespace
// (it cannot bind to loopback only), with the same files uploaded by the same number of clients.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface OrthancIngest { instancesPerS: number; mbPerS: number; seconds: number; storedBytes: number; version: string }

export function orthancAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v Orthanc && command -v unshare'], { encoding: 'utf8' }).status === 0;
}

/** Writes the files to a fresh folder as 00000.dcm, 00001.dcm, ... (input of upload-client). */
export function writeUploadFolder(files: Buffer[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ingest-bench-'));
  files.forEach((f, i) => writeFileSync(path.join(dir, `${String(i).padStart(5, '0')}.dcm`), f));
  return dir;
}

export interface UploadRun { seconds: number; latencies: number[] }

/** Runs the upload client as a child process without blocking this process (it may host the server). */
export function runUploadClient(dir: string, url: string, clients: number, authorization = ''): Promise<UploadRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'upload-client.js'), dir, url, String(clients), authorization]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as UploadRun) : reject(new Error(`upload client failed: ${err.slice(-500)}`))));
  });
}

/** Orthanc in a private network namespace, fed by the same upload client over its loopback. */
export function measureOrthancIngest(files: Buffer[], clients: number, options: { compression: boolean }): OrthancIngest {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orthanc-bench-'));
  const input = writeUploadFolder(files);
  try {
    spawnSync('mkdir', ['-p', path.join(dir, 'db')]);
    const config = path.join(dir, 'orthanc.json');
    writeFileSync(config, JSON.stringify({
      Name: 'bench', StorageDirectory: path.join(dir, 'db'), IndexDirectory: path.join(dir, 'db'),
      StorageCompression: options.compression, HttpPort: 8042, DicomPort: 4242, RemoteAccessAllowed: false,
      AuthenticationEnabled: false, Plugins: [], HttpThreadsCount: 50,
    }));
    const client = path.join(__dirname, 'upload-client.js');
    const script = [
      'ip link set lo up',
      `Orthanc "${config}" >/dev/null 2>&1 & pid=$!`,
      'for i in $(seq 1 300); do curl -sf http://127.0.0.1:8042/system >/dev/null && break; sleep 0.1; done',
      `"${process.execPath}" "${client}" "${input}" http://127.0.0.1:8042/instances ${clients} > upload.json`,
      'curl -sf http://127.0.0.1:8042/system > system.json',
      'curl -sf http://127.0.0.1:8042/statistics > statistics.json',
      'kill $pid; wait $pid',
    ].join('\n');
    const run = spawnSync('unshare', ['-n', 'sh', '-ec', script], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) throw new Error(`Orthanc run failed: ${run.stderr.slice(-500)}`);
    const [upload, system, stats] = ['upload', 'system', 'statistics'].map((f) => JSON.parse(readFileSync(path.join(dir, `${f}.json`), 'utf8')));
    const out = { seconds: upload.seconds as number, version: system.Version as string, storedBytes: Number(stats.TotalDiskSize) };
    const totalBytes = files.reduce((a, f) => a + f.length, 0);
    return { instancesPerS: files.length / out.seconds, mbPerS: totalBytes / 1e6 / out.seconds, seconds: out.seconds, storedBytes: out.storedBytes, version: out.version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(input, { recursive: true, force: true });
  }
}
