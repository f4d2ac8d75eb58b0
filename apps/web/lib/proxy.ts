// Same-origin proxy to the API (read at run time from API_URL), so the session cookie is
// first-party and the browser never needs CORS. Streams bodies both ways.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

export async function proxy(request: Request): Promise<Response> {
  const api = process.env.API_URL ?? 'http://127.0.0.1:4000';
  const url = new URL(request.url);
  const headers = new Headers();
  request.headers.forEach((value, key) => { if (!HOP_BY_HOP.has(key)) headers.set(key, value); });
  // The API decides cookie flags (Secure outside loopback) and WS origins from the browser's view.
  if (!headers.has('x-forwarded-host')) headers.set('x-forwarded-host', url.host);
  if (!headers.has('x-forwarded-proto')) headers.set('x-forwarded-proto', url.protocol.replace(':', ''));
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers, redirect: 'manual' };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    init.body = request.body;
    init.duplex = 'half';
  }
  const upstream = await fetch(`${api}${url.pathname}${url.search}`, init);
  const out = new Headers();
  upstream.headers.forEach((value, key) => { if (!HOP_BY_HOP.has(key) && key !== 'content-encoding' && key !== 'set-cookie') out.set(key, value); });
  for (const cookie of upstream.headers.getSetCookie()) out.append('set-cookie', cookie);
  return new Response(upstream.body, { status: upstream.status, headers: out });
}
