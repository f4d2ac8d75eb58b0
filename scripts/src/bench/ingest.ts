// bench:ingest — the platform as `npm start` runs it (api, worker and web processes) takes 200 ×
// 512² 16-bit CT slices from 4 concurrent clients: the accept rate (each response returns once the
// blob is fsynced and the index committed), then the time until every instance is stored
// compressed and verified and the series has its AI result; Orthanc without and with
// StorageCompression on the same files and clients in the same run, as ratios.
import { writeBenchResult } from './report';
import { CLIENTS, SLICES, benchSeries, ingestOnPlatform, ingestRatios, orthancIngests, printIngestRatios } from './ingest-run';

async function main() {
  const series = benchSeries();
  const { platform, figures } = await ingestOnPlatform(series);
  await platform.stop();
  // Orthanc after ours, with our processes stopped: each system has the machine to itself
  const ratios = ingestRatios(figures, orthancIngests(series));
  const file = writeBenchResult('ingest', { slices: SLICES, clients: CLIENTS, totalBytes: series.totalBytes, ...ratios });
  console.log(`ingest: ${SLICES} × 512² CT (${(series.totalBytes / 1e6).toFixed(1)} MB)`);
  printIngestRatios(ratios);
  console.log(`  written ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
