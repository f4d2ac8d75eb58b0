// API process entry point: config → services → server; stops cleanly on SIGTERM/SIGINT.
import cluster from 'node:cluster';
import { loadConfig } from '@imaging/config';
import { createServices, closeServices, setRestoredFileCacheBytes } from '@imaging/domain';
import { createApiServer } from './server';

async function main() {
  const config = loadConfig();
  if (config.apiProcesses > 1 && cluster.isPrimary) {
    // The API is stateless (sessions and keys live in Postgres): fork one process per core asked
    // for; they share the listening port.
    for (let i = 0; i < config.apiProcesses; i++) cluster.fork();
    cluster.on('exit', (worker, code) => {
      if (code !== 0) console.error(`api process ${worker.process.pid} exited with ${code}`);
    });
    const stopAll = () => { for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM'); };
    process.once('SIGTERM', stopAll);
    process.once('SIGINT', stopAll);
    return;
  }
  setRestoredFileCacheBytes(config.restoredFileCacheBytes);
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
