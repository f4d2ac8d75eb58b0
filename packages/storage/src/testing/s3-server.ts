// Test servers for the S3 driver: a real S3 protocol server (s3rver, in-process, on a free
// loopback port, files in a temp folder) and a TCP proxy in front of it that cuts any connection
// once it has carried `cutAfterBytes` bytes towards the server: a store that fails mid-upload.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { S3BlobStore, type S3Settings } from '../s3-blob-store';
import type { BlobStore } from '../index';

export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** A store on this server; `endpoint` overrides where it connects (a proxy). */
  store(overrides?: Partial<S3Settings>): S3BlobStore;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'blobs'): Promise<TestS3Server> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const stores: S3BlobStore[] = [];
  return {
    endpoint,
    bucket,
    store(overrides = {}) {
      const store = new S3BlobStore({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_CREDENTIALS, ...overrides });
      stores.push(store);
      return store;
    },
    async close() {
      for (const s of stores) s.close();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface CuttingProxy {
  endpoint: string;
  /** Connections cut so far. */
  cuts: number;
  close(): Promise<void>;
}

/** Forwards to `target`; a connection that has sent more than `cutAfterBytes` is destroyed both ways. */
export async function startCuttingProxy(target: string, cutAfterBytes: number): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const proxy: CuttingProxy = { endpoint: '', cuts: 0, close: async () => undefined };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (sent + chunk.length > cutAfterBytes) {
        upstream.write(chunk.subarray(0, Math.max(0, cutAfterBytes - sent)));
        proxy.cuts++;
        cut();
        return;
      }
      sent += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('error', cut).on('close', () => { sockets.delete(client); cut(); });
    upstream.on('error', cut).on('close', () => { sockets.delete(upstream); cut(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

/** Accepts connections and never answers: a store that hangs. */
export async function startSilentServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Names of the S3 commands a store sends, in order (recorded from now on). */
export function recordCommands(store: S3BlobStore): string[] {
  const sent: string[] = [];
  store.client.middlewareStack.add((next, context) => (args) => {
    sent.push(String(context.commandName));
    return next(args);
  }, { step: 'initialize' });
  return sent;
}

/** Every key a store lists. */
export async function listKeys(store: BlobStore): Promise<string[]> {
  const out = [];
  for await (const b of store.list()) out.push(b.key);
  return out;
}
