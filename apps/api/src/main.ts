// API process entry point: config → services → server; stops cleanly on SIGTERM/SIGINT.
import { loadConfig } from '@imaging/config';
import { createServices, closeServices } from '@imaging/domain';
import { createApiServer } from './server';

async function main() {
  const config = loadConfig();
  const services = createServices(config, { name: 'api' });
  const server = await createApiServer(services);
  const { url } = await server.listen(config.apiPort);
  services.log.info({ url: `${url}/graphql` }, 'api listening');
  const stop = async () => {
    services.log.info('api stopping');
    await server.close();
    await closeServices(services);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e) => {
  console.error('api failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
