// Express 5 integration: request timing labelled by route pattern, and the /metrics endpoint.
import type { Request, RequestHandler } from 'express';
import type { Metrics } from './metrics';

/** Paths not timed: the scrape itself and the probes would drown the real traffic. */
const UNTIMED = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * The route pattern that handled a request (`/dicom-web/studies/:study`), never the raw URL, so
 * UIDs and search values stay out of labels. Express 5 sets `req.route` on the matched route and
 * `req.baseUrl` to the router's mount path; a request no route matched (404, or one answered by
 * mounted middleware such as /graphql) gets its mount path, else `unmatched`.
 */
export function routeLabel(req: Pick<Request, 'route' | 'baseUrl'>): string {
  const routePath: unknown = req.route?.path;
  if (typeof routePath === 'string') return `${req.baseUrl ?? ''}${routePath}` || '/';
  if (Array.isArray(routePath)) return `${req.baseUrl ?? ''}${routePath.join('|')}`;
  return req.baseUrl || 'unmatched';
}

export function httpMetricsMiddleware(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    if (UNTIMED.has(req.path)) return next();
    const end = metrics.httpRequestDuration.startTimer();
    // `finish` is a full response; `close` without it is a client that went away mid-response.
    let done = false;
    const observe = () => {
      if (done) return;
      done = true;
      end({ method: req.method, route: routeLabel(req), status: String(res.statusCode) });
    };
    res.once('finish', observe);
    res.once('close', observe);
    next();
  };
}

/** GET /metrics: the Prometheus text exposition of this process's registry. */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res, next) => {
    try {
      const body = await metrics.registry.metrics();
      res.set('Content-Type', metrics.registry.contentType).send(body);
    } catch (e) {
      next(e);
    }
  };
}
