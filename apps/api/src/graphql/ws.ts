// GraphQL subscriptions over WebSocket (graphql-ws), as guarded as HTTP: the caller is identified
// once at connect (session cookie only from an allowed Origin, or a bearer API key in the
// connection parameters) and anonymous sockets are closed; every operation passes the same
// validation, depth and complexity rules as over HTTP; frames are capped in size; and the
// subscription loops end when the socket closes. Loops wait on Postgres change notifications (one
// listening connection per process), not timers. Bounded per caller: connections per principal in
// this process, live subscriptions per connection.
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parse, specifiedRules, validate, GraphQLError, type GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Principal } from '@imaging/auth';
import type { DeniedAccessAudit, Services } from '@imaging/domain';
import { createChangeFeed } from '@imaging/db';
import { resolvePrincipal } from '../http/request-context';
import { complexityError, depthRule } from './schema';
import { createLoaders, type GraphQLContext } from './context';

/** Largest client frame; subscriptions are short documents. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

/** Sockets one principal may hold open on one API process; past it new ones are closed with 4429. */
export const MAX_CONNECTIONS_PER_PRINCIPAL = 32;
/** Subscriptions live at once on one socket; past it a new one is refused (RATE_LIMITED). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 16;

interface ConnectionState { principal: Principal; key: string; closed: boolean; abort: AbortController }

function principalKey(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : `${p.kind}:${p.id}`;
}

/** Browser origins allowed to use the session cookie: the web app and the API itself. */
export function allowedOrigins(services: Services): Set<string> {
  const { webPort, apiUrl } = services.config;
  return new Set([`http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`, new URL(apiUrl).origin]);
}

export function attachSubscriptions(httpServer: http.Server, schema: GraphQLSchema, services: Services, denied?: DeniedAccessAudit): { dispose(): void | Promise<void> } {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_PAYLOAD_BYTES });
  const origins = allowedOrigins(services);
  const rules = [...specifiedRules, depthRule(services.config.graphqlMaxDepth)];
  const states = new WeakMap<object, ConnectionState>();
  const connections = new Map<string, number>();
  const changes = createChangeFeed(services.db, services.log);
  const server = useServer<Record<string, unknown>>({
    schema,
    connectionInitWaitTimeout: 5000,
    onConnect: async (ctx) => {
      const request = (ctx.extra as { request: http.IncomingMessage }).request;
      const authorization = typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : undefined;
      const origin = request.headers.origin;
      // a cookie rides along with any page's request: it only counts from our own pages (CSWSH)
      const cookie = !authorization && origin && !origins.has(origin) ? undefined : request.headers.cookie;
      const principal = await resolvePrincipal(services, authorization, cookie).catch(() => ({ kind: 'anonymous' }) as Principal);
      if (principal.kind === 'anonymous') {
        denied?.record({ principal, clientAddress: request.socket.remoteAddress ?? null, operation: 'ws /graphql', code: 'UNAUTHENTICATED' });
        // 4401 Unauthorized: no anonymous subscriptions at all (graphql-ws's `false` would say 4403)
        (ctx.extra as { socket: { close(code: number, reason: string): void } }).socket.close(4401, 'Unauthorized');
        return false;
      }
      const key = principalKey(principal);
      const open = connections.get(key) ?? 0;
      if (open >= MAX_CONNECTIONS_PER_PRINCIPAL) {
        (ctx.extra as { socket: { close(code: number, reason: string): void } }).socket.close(4429, 'Too many connections');
        return false;
      }
      connections.set(key, open + 1);
      states.set(ctx.extra as object, { principal, key, closed: false, abort: new AbortController() });
      return true;
    },
    onClose: (ctx) => {
      const state = states.get(ctx.extra as object);
      if (!state || state.closed) return;
      state.closed = true;
      state.abort.abort();
      const left = (connections.get(state.key) ?? 1) - 1;
      if (left > 0) connections.set(state.key, left);
      else connections.delete(state.key);
    },
    onSubscribe: (ctx, _id, payload) => {
      // graphql-ws lists the socket's operations, this one included, and drops one at its Complete
      if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        return [new GraphQLError(`at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions may be live on one connection`, { extensions: { code: 'RATE_LIMITED' } })];
      }
      let document;
      try {
        document = parse(payload.query);
      } catch (e) {
        return [e as GraphQLError];
      }
      const errors = validate(schema, document, rules);
      if (errors.length) return errors;
      const tooComplex = complexityError(schema, document, payload.operationName, payload.variables ?? undefined, services.config.graphqlMaxComplexity);
      return tooComplex ? [tooComplex] : undefined;
    },
    context: (ctx, id) => {
      const state = states.get(ctx.extra as object);
      const principal: Principal = state?.principal ?? { kind: 'anonymous' };
      const requestId = randomUUID();
      const domain = { ...services, log: services.log.child({ requestId }), principal, requestId };
      const context: Omit<GraphQLContext, 'res'> & { res: null } = {
        domain, loaders: createLoaders(services.db), res: null, signal: state?.abort.signal, changes,
        // over once the socket closes or the client completes this operation
        closed: () => !state || state.closed || !(id in ctx.subscriptions),
      };
      return context as unknown as GraphQLContext as unknown as Record<string, unknown>;
    },
  }, wsServer);
  return {
    async dispose() {
      await server.dispose();
      await changes.close();
    },
  };
}
