// The broker API router. Mount with app.use(router.routes()); every route is under
// /api/v1 and answers errors as problem+json.
import Router from '@koa/router';
import type { Broker } from '../index.js';
import { mountAdmin } from './admin-routes.js';
import { buildOpenApi } from './openapi.js';
import { problemMiddleware } from './problem.js';
import { mountSearch } from './search-routes.js';

export interface BrokerRouterDeps {
  broker: Broker;
  /** Public base URL for the OpenAPI `servers` entry. */
  publicUrl?: string;
}

export function createBrokerRouter(deps: BrokerRouterDeps): Router {
  const router = new Router({ prefix: '/api/v1' });
  const openapi = JSON.stringify(buildOpenApi(deps.publicUrl));
  router.use(problemMiddleware(deps.broker.logger));
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openapi;
  });
  mountSearch(router, deps.broker);
  mountAdmin(router, deps.broker);
  return router;
}
