// A real API server on a free port over real Postgres/Redis/filesystem, plus small HTTP helpers.
import { createTestServices, systemContext, type TestServices } from '@imaging/testing';
import { createUser, createApiKey } from '@imaging/domain';
import type { Role } from '@imaging/db';
import { createApiServer, type ApiServer } from '../server';
import type { Config } from '@imaging/config';

export interface Harness {
  services: TestServices;
  server: ApiServer;
  url: string;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<Config> = {}): Promise<Harness> {
  const services = await createTestServices(overrides);
  const server = await createApiServer(services);
  const { url } = await server.listen(0, '127.0.0.1');
  return {
    services, server, url,
    async close() {
      await server.close();
      await services.close();
    },
  };
}

export interface Caller { headers: Record<string, string>; label: string }

export const anonymous: Caller = { headers: {}, label: 'anonymous' };

export async function userCaller(h: Harness, role: Role, email = `${role.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}@example.org`): Promise<Caller & { email: string; password: string; id: string }> {
  const password = 'correct horse battery staple';
  const user = await createUser(systemContext(h.services), { email, password, role });
  const res = await gql(h, anonymous, 'mutation($e:String!,$p:String!){ login(email:$e,password:$p){ user { id } } }', { e: email, p: password });
  const cookie = res.headers.get('set-cookie');
  if (!cookie) throw new Error(`login failed: ${JSON.stringify(res.body)}`);
  return { headers: { cookie: cookie.split(';')[0] }, label: `user:${role}`, email, password, id: user.id };
}

export async function apiKeyCaller(h: Harness, role: Role): Promise<Caller & { key: string; id: string }> {
  const { key, apiKey } = await createApiKey(systemContext(h.services), { name: `test ${role}`, role });
  return { headers: { authorization: `Bearer ${key}` }, label: `apiKey:${role}`, key, id: apiKey.id };
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; extensions?: { code?: string; [k: string]: unknown }; path?: unknown }[] };
}

export async function gql<T = Record<string, unknown>>(h: Harness, caller: Caller, query: string, variables: Record<string, unknown> = {}): Promise<GqlResponse<T>> {
  const res = await fetch(`${h.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...caller.headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse<T>['body'] };
}

export function errorCodes(res: GqlResponse): string[] {
  return (res.body.errors ?? []).map((e) => String(e.extensions?.code));
}

export async function postDicom(h: Harness, caller: Caller, files: Buffer[], options: { multipart?: boolean } = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- test helper returning parsed JSON
  let body: Buffer;
  let contentType: string;
  if (files.length === 1 && !options.multipart) {
    body = files[0];
    contentType = 'application/dicom';
  } else {
    const boundary = `b${Math.random().toString(16).slice(2)}`;
    const chunks: Buffer[] = [];
    for (const f of files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    body = Buffer.concat(chunks);
    contentType = `multipart/related; type="application/dicom"; boundary=${boundary}`;
  }
  const res = await fetch(`${h.url}/api/instances`, { method: 'POST', headers: { 'content-type': contentType, ...caller.headers }, body });
  return { status: res.status, body: await res.json() };
}
