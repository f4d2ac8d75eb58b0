// The HTTP server: health, ingest, GraphQL. Everything a request needs comes from `services`.
import 'reflect-metadata';
import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { checkReadiness, type Services } from '@imaging/domain';
import { authMiddleware, domainContext, requestIdMiddleware } from './http/request-context';
import { errorHandler } from './http/errors';
import { ingestRouter } from './ingest/routes';
import { dicomWebRouter } from './dicomweb/routes';
import { createSchema, complexityPlugin, depthRule, formatError } from './graphql/schema';
import { createLoaders, type GraphQLContext } from './graphql/context';

export interface ApiServer {
  app: express.Express;
  httpServer: http.Server;
  listen(port: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export async function createApiServer(services: Services): Promise<ApiServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(services);
    res.status(readiness.ok ? 200 : 503).json(readiness);
  });

  app.use(requestIdMiddleware);
  app.use(authMiddleware(services));
  app.use(ingestRouter(services));
  app.use(dicomWebRouter(services));

  const schema = await createSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    validationRules: [depthRule(services.config.graphqlMaxDepth)],
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), complexityPlugin(schema, services.config.graphqlMaxComplexity)],
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
  app.use(errorHandler(services.log));

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
    },
  };
}
