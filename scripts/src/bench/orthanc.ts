// Orthanc as a same-run reference: its Debian package, started inside a private network namespace
// (it cannot bind to loopback only), with the same files uploaded by the same number of clients.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentile } from './report';

export interface OrthancFrames { framesPerS: number; p50Ms: number; p95Ms: number }
export interface OrthancIngest { instancesPerS: number; mbPerS: number; seconds: number; storedBytes: number; version: string; frames: OrthancFrames | null }
/** The UIDs of the uploaded files, to fetch their frames by DICOMweb after the upload. */
export interface FrameTargets { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUids: string[] }


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

export interface FetchRun { seconds: number; bytes: number; latencies: number[] }

/** Runs the retrieval client as a child process (see fetch-client.ts). */
export function runFetchClient(urls: string[], clients: number, headers: { authorization?: string; accept?: string } = {}): Promise<FetchRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fetch-bench-'));
  const list = path.join(dir, 'urls.txt');
  writeFileSync(list, urls.join('\n'));
  return new Promise<FetchRun>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'fetch-client.js'), list, String(clients), headers.authorization ?? '', headers.accept ?? '']);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as FetchRun) : reject(new Error(`fetch client failed: ${err.slice(-500)}`))));
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/**
 * Orthanc in a private network namespace, fed by the same upload client over its loopback; with
 * `frames` (and its DICOMweb plugin installed) every frame is then fetched by WADO-RS as well.
 */
export function measureOrthancIngest(files: Buffer[], clients: number, options: { compression: boolean; frames?: FrameTargets }): OrthancIngest {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orthanc-bench-'));
  const frames = options.frames && existsSync(DICOMWEB_PLUGIN) ? options.frames : null;
  const input = writeUploadFolder(files);
  try {
    spawnSync('mkdir', ['-p', path.join(dir, 'db')]);
    const config = path.join(dir, 'orthanc.json');
    writeFileSync(config, JSON.stringify({
      Name: 'bench', StorageDirectory: path.join(dir, 'db'), IndexDirectory: path.join(dir, 'db'),
      StorageCompression: options.compression, HttpPort: 8042, DicomPort: 4242, RemoteAccessAllowed: false,
      AuthenticationEnabled: false, Plugins: frames ? [DICOMWEB_PLUGIN] : [], HttpThreadsCount: 50,
    }));
    const urls = path.join(dir, 'frames.txt');
    if (frames) {
      const base = `http://127.0.0.1:8042/dicom-web/studies/${frames.studyInstanceUid}/series/${frames.seriesInstanceUid}/instances`;
      writeFileSync(urls, frames.sopInstanceUids.map((uid) => `${base}/${uid}/frames/1`).join('\n'));
    }
    const client = path.join(__dirname, 'upload-client.js');
    const script = [
      'ip link set lo up',
      `Orthanc "${config}" >/dev/null 2>&1 & pid=$!`,
      'for i in $(seq 1 300); do curl -sf http://127.0.0.1:8042/system >/dev/null && break; sleep 0.1; done',
      `"${process.execPath}" "${client}" "${input}" http://127.0.0.1:8042/instances ${clients} > upload.json`,
      frames ? `"${process.execPath}" "${path.join(__dirname, 'fetch-client.js')}" "${urls}" ${clients} "" 'multipart/related; type="application/octet-stream"' > frames.json` : 'true',
      'curl -sf http://127.0.0.1:8042/system > system.json',
      'curl -sf http://127.0.0.1:8042/statistics > statistics.json',
      'kill $pid; wait $pid',
    ].join('\n');
    const run = spawnSync('unshare', ['-n', 'sh', '-ec', script], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) throw new Error(`Orthanc run failed: ${run.stderr.slice(-500)}`);
    const [upload, system, stats] = ['upload', 'system', 'statistics'].map((f) => JSON.parse(readFileSync(path.join(dir, `${f}.json`), 'utf8')));
    const out = { seconds: upload.seconds as number, version: system.Version as string, storedBytes: Number(stats.TotalDiskSize) };
    const totalBytes = files.reduce((a, f) => a + f.length, 0);
    let frameFigures: OrthancFrames | null = null;
    if (frames) {
      const f = JSON.parse(readFileSync(path.join(dir, 'frames.json'), 'utf8')) as FetchRun;
      frameFigures = { framesPerS: +(frames.sopInstanceUids.length / f.seconds).toFixed(1), p50Ms: +percentile(f.latencies, 50).toFixed(1), p95Ms: +percentile(f.latencies, 95).toFixed(1) };
    }
    return { instancesPerS: files.length / out.seconds, mbPerS: totalBytes / 1e6 / out.seconds, seconds: out.seconds, storedBytes: out.storedBytes, version: out.version, frames: frameFigures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(input, { recursive: true, force: true });
  }
}
