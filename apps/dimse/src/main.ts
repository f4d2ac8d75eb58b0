// DIMSE process (`npm start` runs it beside api, worker and web): the SCP for modalities and PACS.
import { loadConfig } from '@imaging/config';
import { createServices, closeServices } from '@imaging/domain';
import { startDimseServer } from './server';

async function main() {
  const config = loadConfig();
  if (!config.dimse.enabled) {
    process.stdout.write('DIMSE service disabled (DIMSE_ENABLED=false)\n');
    return;
  }
  const services = createServices(config, { name: 'dimse' });
  const server = await startDimseServer(services);
  const stop = async () => {
    await server.close();
    await closeServices(services);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e) => {
  console.error('DIMSE service failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
