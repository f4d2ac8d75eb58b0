// Remote AEs over GraphQL against a real server: PS3.5 AE title rules, port range, duplicate title,
// update and delete, every change audited, and C-ECHO verification against dcmtk's storescp (up, then down).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@imaging/testing';
import { errorCodes, gql, startHarness, userCaller, type Harness } from '../testing/harness';

const FIELDS = 'id aeTitle host port description enabled';
const CREATE = `mutation($i: RemoteAeInput!){ createRemoteAe(input: $i){ ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $i: RemoteAeInput!){ updateRemoteAe(id: $id, input: $i){ ${FIELDS} } }`;
const VERIFY = 'mutation($id: ID!){ verifyRemoteAe(id: $id){ ok status error durationMs } }';

interface RemoteAe { id: string; aeTitle: string; host: string; port: number; description: string; enabled: boolean }

async function startStorescp(aeTitle: string, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('storescp', ['-aet', aeTitle, '-od', dir, String(port)], { stdio: 'ignore' });
  // ready when the port accepts connections
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('storescp did not start');
}

describe('remote AEs', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(path.join(tmpdir(), 'remote-ae-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad input with a precise typed error and stores nothing', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ aeTitle: 'A'.repeat(17), host: '127.0.0.1', port: 104 }, /more than 16 characters/],
      [{ aeTitle: 'BACK\\SLASH', host: '127.0.0.1', port: 104 }, /no backslash or control characters/],
      [{ aeTitle: 'TAB\tAE', host: '127.0.0.1', port: 104 }, /no backslash or control characters/],
      [{ aeTitle: '   ', host: '127.0.0.1', port: 104 }, /must not be empty/],
      [{ aeTitle: 'PACS', host: '127.0.0.1', port: 0 }, /port must be a whole number from 1 to 65535/],
      [{ aeTitle: 'PACS', host: '127.0.0.1', port: 65_536 }, /port must be a whole number from 1 to 65535/],
      [{ aeTitle: 'PACS', host: 'bad host!', port: 104 }, /host must be a DNS name or an IP address/],
    ];
    for (const [input, message] of bad) {
      const res = await gql(h, admin, CREATE, { i: input });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0].message).toMatch(message);
    }
    expect(await h.services.db.remoteAe.count()).toBe(0);
    expect(await h.services.db.auditEvent.count({ where: { action: { startsWith: 'remoteAe.' } } })).toBe(0);
  });

  it('creates, lists, updates and deletes; a duplicate title is a CONFLICT; every change is audited', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const created = await gql<{ createRemoteAe: RemoteAe }>(h, admin, CREATE, { i: { aeTitle: '  PACS1 ', host: 'pacs.example.org', port: 104, description: 'main PACS' } });
    const pacs = created.body.data!.createRemoteAe;
    expect(pacs).toMatchObject({ aeTitle: 'PACS1', host: 'pacs.example.org', port: 104, description: 'main PACS', enabled: true });
    const duplicate = await gql(h, admin, CREATE, { i: { aeTitle: 'PACS1', host: '10.0.0.2', port: 11112 } });
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    const other = (await gql<{ createRemoteAe: RemoteAe }>(h, admin, CREATE, { i: { aeTitle: 'RESEARCH', host: '10.0.0.3', port: 4242 } })).body.data!.createRemoteAe;
    const renameClash = await gql(h, admin, UPDATE, { id: other.id, i: { aeTitle: 'PACS1', host: '10.0.0.3', port: 4242 } });
    expect(errorCodes(renameClash)).toEqual(['CONFLICT']);

    const updated = await gql<{ updateRemoteAe: RemoteAe }>(h, admin, UPDATE, { id: pacs.id, i: { aeTitle: 'PACS1', host: 'pacs.example.org', port: 11112, enabled: false } });
    expect(updated.body.data!.updateRemoteAe).toMatchObject({ port: 11112, enabled: false, description: '' });
    const list = await gql<{ remoteAes: RemoteAe[] }>(h, admin, `{ remoteAes { ${FIELDS} } }`);
    expect(list.body.data!.remoteAes.map((a) => a.aeTitle)).toEqual(['PACS1', 'RESEARCH']);

    const deleted = await gql<{ deleteRemoteAe: RemoteAe }>(h, admin, 'mutation($id: ID!){ deleteRemoteAe(id: $id){ aeTitle } }', { id: other.id });
    expect(deleted.body.data!.deleteRemoteAe.aeTitle).toBe('RESEARCH');
    expect(errorCodes(await gql(h, admin, 'mutation($id: ID!){ deleteRemoteAe(id: $id){ aeTitle } }', { id: other.id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(h, admin, UPDATE, { id: 'not-a-uuid', i: { aeTitle: 'X', host: 'h', port: 1 } }))).toEqual(['BAD_USER_INPUT']);

    const audit = await h.services.db.auditEvent.findMany({ where: { action: { startsWith: 'remoteAe.' } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.resourceId, a.actorId, a.outcome])).toEqual([
      ['remoteAe.create', pacs.id, admin.id, 'SUCCESS'],
      ['remoteAe.create', other.id, admin.id, 'SUCCESS'],
      ['remoteAe.update', pacs.id, admin.id, 'SUCCESS'],
      ['remoteAe.delete', other.id, admin.id, 'SUCCESS'],
    ]);
    expect(audit[2].details).toEqual({ changed: { port: { from: 104, to: 11112 }, enabled: { from: true, to: false }, description: { from: 'main PACS', to: '' } } });
  });

  it('is for admins only', async () => {
    for (const role of ['RADIOLOGIST', 'INTEGRATOR'] as const) {
      const caller = await userCaller(h, role);
      expect(errorCodes(await gql(h, caller, '{ remoteAes { id } }'))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(h, caller, CREATE, { i: { aeTitle: 'SNEAKY', host: '127.0.0.1', port: 104 } }))).toEqual(['FORBIDDEN']);
    }
  });

  it('verifies a remote by C-ECHO against dcmtk storescp, and reports one that is down; both audited', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const port = await freePort();
    const up = (await gql<{ createRemoteAe: RemoteAe }>(h, admin, CREATE, { i: { aeTitle: 'STORESCP', host: '127.0.0.1', port } })).body.data!.createRemoteAe;
    const storescp = await startStorescp('STORESCP', port, dir);
    try {
      const ok = await gql<{ verifyRemoteAe: { ok: boolean; status: number | null; error: string | null } }>(h, admin, VERIFY, { id: up.id });
      expect(ok.body.data!.verifyRemoteAe).toMatchObject({ ok: true, status: 0, error: null });
    } finally {
      storescp.kill();
      await new Promise((r) => storescp.once('exit', r));
    }
    const down = await gql<{ verifyRemoteAe: { ok: boolean; status: number | null; error: string | null } }>(h, admin, VERIFY, { id: up.id });
    expect(down.body.data!.verifyRemoteAe).toMatchObject({ ok: false, status: null });
    expect(down.body.data!.verifyRemoteAe.error).toMatch(/network error/);
    const audit = await h.services.db.auditEvent.findMany({ where: { action: 'remoteAe.verify' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.resourceId, a.outcome])).toEqual([[up.id, 'SUCCESS'], [up.id, 'FAILURE']]);
  });
});
