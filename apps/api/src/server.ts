// The HTTP server: health, metrics, ingest, GraphQL. Everything a request needs comes from `services`.
import 'reflect-metadata';
import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { checkReadiness, DeniedAccessAudit, type Services } from '@imaging/domain';
import { createMetrics, graphqlMetricsPlugin, httpMetricsMiddleware, metricsHandler, type Metrics } from '@imaging/metrics';
import { authMiddleware, domainContext, requestIdMiddleware } from './http/request-context';
import { errorHandler } from './http/errors';
import { securityHeaders } from './http/security-headers';
import { transferAccounting } from './http/transfer-accounting';
import { ingestRouter } from './ingest/routes';
import { createUploadReceiver } from './ingest/upload-receiver';
import { aiRouter } from './ai/routes';
import { exportRouter } from './export/routes';
import { dicomWebRouter } from './dicomweb/routes';
import { createSchema, complexityPlugin, deniedAccessPlugin, depthRule, formatError } from './graphql/schema';
import { createLoaders, type GraphQLContext } from './graphql/context';
import { attachSubscriptions } from './graphql/ws';

export interface ApiServer {
  app: express.Express;
  httpServer: http.Server;
  listen(port: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /** Prometheus metrics of this process; a fresh registry when not given. */
  metrics?: Metrics;
}

export async function createApiServer(services: Services, options: ApiServerOptions = {}): Promise<ApiServer> {
  const metrics = options.metrics ?? createMetrics('api');
  const denied = new DeniedAccessAudit(services.db, services.log, services.config.auditDeniedWindowMs);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders);
  const httpServer = http.createServer(app);
  // Idle keep-alive connections outlive the clients' own idle timeouts (undici 4 s, load balancers
  // 60 s): otherwise the server may close a socket at the moment a client reuses it, and that
  // request fails with ECONNRESET (seen in tests whose event loop was busy for a few seconds).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(services);
    res.status(readiness.ok ? 200 : 503).json(readiness);
  });

  // Before authentication: the scrape carries no patient data (labels are route patterns).
  app.get('/metrics', metricsHandler(metrics));
  app.use(httpMetricsMiddleware(metrics));

  app.use(requestIdMiddleware);
  app.use(authMiddleware(services));
  app.use(transferAccounting(services));
  // one admission gate for every upload route of this process
  const receiveUpload = createUploadReceiver(services);
  app.use(ingestRouter(services, metrics, receiveUpload));
  app.use(dicomWebRouter(services, metrics, receiveUpload));
  app.use(aiRouter(services));
  app.use(exportRouter(services));

  const schema = await createSchema();
  const wsCleanup = attachSubscriptions(httpServer, schema, services, denied);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    validationRules: [depthRule(services.config.graphqlMaxDepth)],
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } }, complexityPlugin(schema, services.config.graphqlMaxComplexity), graphqlMetricsPlugin(metrics), deniedAccessPlugin(denied)],
    formatError: formatError(services.log),
    includeStacktraceInErrorResponses: false,
    introspection: true,
  });
  await apollo.start();
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({ domain: domainContext(services, req), loaders: createLoaders(services.db), res }),
    }),
  );
  app.use(errorHandler(services.log, denied));

  return {
    app,
    httpServer,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve({ url: `http://127.0.0.1:${actual}`, port: actual });
        });
      });
    },
    async close() {
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await denied.close();
    },
  };
}
