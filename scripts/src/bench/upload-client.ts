// Upload client for ingest benchmarks, run as its own process so that client work does not share
// the server's event loop: uploads every file of a folder with N concurrent clients, prints JSON.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

async function main() {
  const [dir, url, clientsArg, authorization, contentType] = process.argv.slice(2);
  const files = readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => readFileSync(path.join(dir, f)));
  const headers: Record<string, string> = { 'content-type': contentType || 'application/dicom' };
  if (authorization) headers.authorization = authorization;
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Number(clientsArg) }, async () => {
    while (next < files.length) {
      const file = files[next++];
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers, body: file });
      const text = await res.text();
      if (!res.ok) throw new Error(`upload failed: ${res.status} ${text.slice(0, 300)}`);
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, latencies: latencies.sort((a, b) => a - b) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
