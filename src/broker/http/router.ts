// The broker API router. Mount with app.use(router.routes()); every route is under
// /api/v1 and answers errors as problem+json.
import Router from '@koa/router';
import type { Broker } from '../index.js';
import { mountAdmin } from './admin-routes.js';
import { mountAdminIdentity, type AdminServices } from './admin-identity-routes.js';
import { AppError, notFound } from '../../shared/errors.js';
import { TENANT_ID, TENANT_ID_MAX } from '../../tenants/validate.js';
import type { Views } from '../../http/views.js';
import { mountDocs, type OpenApiDoc } from './docs-page.js';
import { buildOpenApi } from './openapi.js';
import { problemMiddleware } from './problem.js';
import { mountSearch } from './search-routes.js';
import type { OnboardingLinks } from '../../tenants/onboarding-link.js';
import { mountUpstreamAdmin } from './upstream-routes.js';
import type { UpstreamService } from '../../federation/upstreams.js';

export interface BrokerRouterDeps {
  broker: Broker;
  /** Public base URL for the OpenAPI `servers` entry. */
  publicUrl?: string;
  /** Users, clients and keys for the admin API (the app passes its services; absent in broker-only use). */
  admin?: AdminServices;
  /** Renders the API reference page at /api/v1/docs. */
  views: Views;
  /** Signs tenant self-service links (POST /admin/tenants/{id}/onboarding-link). */
  onboardingLinks?: OnboardingLinks;
  /** Upstream identity providers (admin routes under /admin/upstreams); absent = no such routes. */
  upstreams?: UpstreamService;
}

export function createBrokerRouter(deps: BrokerRouterDeps): Router {
  const router = new Router({ prefix: '/api/v1' });
  const doc = buildOpenApi(deps.publicUrl);
  const openapi = JSON.stringify(doc);
  router.use(problemMiddleware(deps.broker.logger));
  // No tenant can have an id outside the tenant id syntax: answer 404 before such a value
  // (NUL, traversal, overlong) reaches a lookup or the database.
  router.param('tenantId', (id, _ctx, next) => {
    if (id.length > TENANT_ID_MAX || !TENANT_ID.test(id)) throw notFound('tenant', id.slice(0, 64));
    return next();
  });
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openapi;
  });
  mountDocs(router, deps.views, doc as unknown as OpenApiDoc);
  mountSearch(router, deps.broker);
  mountAdmin(router, deps.broker, deps.onboardingLinks);
  if (deps.admin) mountAdminIdentity(router, { verifier: deps.broker.verifier, access: deps.broker.access, services: deps.admin });
  if (deps.upstreams) mountUpstreamAdmin(router, deps.broker, deps.upstreams);
  // Last: anything else under /api/v1 is answered here as a problem (404, or 405 naming the
  // allowed methods), instead of falling through to the provider's text/plain 404.
  router.all('{/*rest}', (ctx) => {
    const allowed = new Set(
      router
        .match(ctx.path, ctx.method)
        .path.filter((layer) => !String(layer.path).endsWith('{/*rest}'))
        .flatMap((layer) => layer.methods),
    );
    if (!allowed.size) throw new AppError('not_found', 404, `No API route ${ctx.method} ${ctx.path}; see /api/v1/docs.`);
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    ctx.set('Allow', allow);
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      return;
    }
    throw new AppError('method_not_allowed', 405, `Method ${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}.`);
  });
  return router;
}
