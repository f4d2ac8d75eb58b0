// Retrieval client for benchmarks, run as its own process (as upload-client.ts): GETs every URL of
// a file (one per line) with N concurrent clients, prints JSON { seconds, latencies, bytes }.
import { readFileSync } from 'node:fs';

async function main() {
  const [urlsFile, clientsArg, authorization, accept] = process.argv.slice(2);
  const urls = readFileSync(urlsFile, 'utf8').split('\n').filter(Boolean);
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (accept) headers.accept = accept;
  const latencies: number[] = [];
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Number(clientsArg) }, async () => {
    while (next < urls.length) {
      const url = urls[next++];
      const t0 = performance.now();
      const res = await fetch(url, { headers });
      const body = await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${Buffer.from(body).toString('utf8', 0, 300)}`);
      latencies.push(performance.now() - t0);
      bytes += body.byteLength;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, bytes, latencies: latencies.sort((a, b) => a - b) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
