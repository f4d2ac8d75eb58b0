// The DIMSE listener: one DimseAssociation per TCP connection, at most DIMSE_MAX_ASSOCIATIONS
// served at once (later ones get a transient A-ASSOCIATE-RJ, "local limit exceeded"; past twice
// that, connections are dropped before any byte is read).
import net from 'node:net';
import { log as dimseLibraryLog } from 'dcmjs-dimse';
import type { Services } from '@imaging/domain';
import { DimseAssociation } from './association';
import { InflightBytes } from './store';

export interface DimseServer {
  port: number;
  /** Associations open now. */
  openAssociations(): number;
  /** Bytes of C-STORE datasets held in memory now (all associations). */
  inflightBytes(): number;
  close(): Promise<void>;
}

export async function startDimseServer(services: Services, options: { port?: number; host?: string } = {}): Promise<DimseServer> {
  // the library logs through loglevel to the console; our own logs (pino) say what matters
  dimseLibraryLog.setLevel('silent');
  const config = services.config.dimse;
  // same process-wide budget as HTTP uploads: bytes being received at once
  const budget = new InflightBytes(services.config.maxInflightUploadBytes);
  const open = new Set<DimseAssociation>();
  const sockets = new Set<net.Socket>();
  let admitted = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // reported by the association; never crash the process
    const admit = admitted < config.maxAssociations;
    if (admit) admitted++;
    let counted = admit;
    const association = new DimseAssociation(socket, {
      services, budget, admitted: admit,
      onClose: () => {
        if (counted) { admitted--; counted = false; }
        open.delete(association);
      },
    });
    open.add(association);
  });
  server.maxConnections = config.maxAssociations * 2;
  const port = options.port ?? config.port;
  const host = options.host ?? config.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => services.log.error({ err: e.message }, 'DIMSE listener error'));
  services.log.info({ port: (server.address() as net.AddressInfo).port, host, aeTitle: config.aeTitle, maxAssociations: config.maxAssociations }, 'DIMSE service listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    openAssociations: () => admitted,
    inflightBytes: () => budget.inUse,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
