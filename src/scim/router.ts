// SCIM 2.0 service provider (RFC 7644), one base URL per tenant:
//   ${ISSUER}/scim/v2/tenants/{tenantId}/{Users,Groups,ServiceProviderConfig,ResourceTypes,Schemas}
// Every request needs a client-credentials access token from this provider with the `scim`
// scope, whose client is allowed the tenant (`*` = all): the broker's allowed-tenant rule,
// so a service client's SCIM reach is exactly its search reach.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Broker } from '../broker/index.js';
import { inScope, requireScope } from '../broker/access.js';
import { bearer } from '../broker/http/auth.js';
import { brokerErrors } from '../broker/errors.js';
import { readJson } from '../broker/http/body.js';
import { TENANT_ID, TENANT_ID_MAX } from '../tenants/validate.js';
import type { Database } from '../db/database.js';
import { tenantExists } from '../db/scim-users.js';
import { scimErrorMiddleware, ScimError, scimErrors, SCIM_MEDIA_TYPE } from './errors.js';
import { discovery, MAX_PAGE } from './discovery.js';
import { LIST_SCHEMA, project, type Json } from './resources.js';
import { readPatch } from './patch.js';
import type { ScimUsers } from './users.js';
import type { ScimGroups } from './groups.js';

export const SCIM_SCOPE = 'scim';
/** Group PATCHes add members in batches; a directory's batch of a few thousand ids fits. */
const MAX_SCIM_BODY = 1024 * 1024;

export interface ScimRouterDeps {
  issuer: string;
  /**
   * The operators' tenant (ADMIN_TENANT): its users in group `admin` run the console for every
   * tenant, so SCIM there is privilege over all tenants. Only a client whose allowed tenants
   * name it explicitly reaches it; `*` (every customer tenant) does not.
   */
  adminTenant?: string;
  db: Database;
  broker: Pick<Broker, 'verifier' | 'access' | 'logger'>;
  users: ScimUsers;
  groups: ScimGroups;
}

interface Paging {
  offset: number;
  limit: number;
  startIndex: number;
}

function paging(ctx: Context): Paging {
  const int = (name: string, fallback: number) => {
    const raw = ctx.query[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !/^-?\d{1,9}$/.test(raw)) throw scimErrors.invalidValue(`${name} must be an integer.`);
    return Number(raw);
  };
  // RFC 7644 §3.4.2.4: startIndex below 1 is 1, a negative count is 0; we cap count.
  const startIndex = Math.max(1, int('startIndex', 1));
  const limit = Math.min(MAX_PAGE, Math.max(0, int('count', MAX_PAGE)));
  return { offset: startIndex - 1, limit, startIndex };
}

const list = (ctx: Context, name: string) => {
  const raw = ctx.query[name];
  return typeof raw === 'string' && raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
};

const single = (ctx: Context, name: string) => {
  const raw = ctx.query[name];
  if (Array.isArray(raw)) throw scimErrors.invalidValue(`${name} may be given once.`);
  return raw || undefined;
};

function send(ctx: Context, status: number, body: Json): void {
  ctx.status = status;
  ctx.type = SCIM_MEDIA_TYPE;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/**
 * After the tenant router: any other /scim path gets a SCIM 404 naming the per-tenant base
 * URL (a directory configured with ${ISSUER}/scim/v2 would otherwise see the provider's
 * text/plain 404 and report nothing useful).
 */
export function scimFallback(issuer: string, logger: ScimRouterDeps['broker']['logger']): Middleware {
  const errors = scimErrorMiddleware(logger);
  return (ctx, next) =>
    ctx.path === '/scim' || ctx.path.startsWith('/scim/')
      ? errors(ctx, async () => {
          throw new ScimError(404, `SCIM is served per tenant: use ${issuer}/scim/v2/tenants/{tenantId} as the base URL.`);
        })
      : next();
}

export function createScimRouter(deps: ScimRouterDeps): Router {
  const router = new Router({ prefix: '/scim/v2/tenants/:tenantId' });
  const baseOf = (ctx: Context) => `${deps.issuer}/scim/v2/tenants/${ctx.params.tenantId}`;
  const tenant = (ctx: Context) => ctx.params.tenantId!;

  router.use(scimErrorMiddleware(deps.broker.logger));
  router.use(async (ctx, next) => {
    const tenantId = tenant(ctx);
    // No tenant has an id outside the tenant id syntax: 404 before anything else reads it.
    if (tenantId.length > TENANT_ID_MAX || !TENANT_ID.test(tenantId)) throw new ScimError(404, 'No such tenant.');
    const caller = await deps.broker.verifier.verifyServiceToken(bearer(ctx));
    requireScope(caller, SCIM_SCOPE);
    // Refused the same way whether or not the tenant exists.
    const scope = await deps.broker.access.tenantScope(caller);
    if (!inScope(scope, tenantId)) throw brokerErrors.tenantNotAllowed(caller.clientId, tenantId);
    if (tenantId === deps.adminTenant && scope.all && !scope.named?.includes(tenantId)) {
      throw new ScimError(
        403,
        `'${tenantId}' is the operators' tenant (ADMIN_TENANT): a SCIM client reaches it only when its allowed tenants name it, not through '*'.`,
      );
    }
    if (!(await tenantExists(deps.db, tenantId))) throw new ScimError(404, `Tenant '${tenantId}' does not exist.`);
    await next();
    // Who changed which user or group: for the operator (ids only, never names, emails or passwords).
    if (ctx.method !== 'GET' && ctx.status < 400) {
      const id = ctx.params.id ?? (ctx.body as Json | undefined)?.id;
      deps.broker.logger.info(
        {
          event: 'scim.change',
          tenantId,
          clientId: caller.clientId,
          method: ctx.method,
          resource: ctx.path.includes('/Groups') ? 'Group' : 'User',
          id,
          status: ctx.status,
        },
        'scim change',
      );
    }
  });

  const body = (ctx: Context) => readJson(ctx, MAX_SCIM_BODY);
  const out = (ctx: Context, r: Json) => project(r, list(ctx, 'attributes'), list(ctx, 'excludedAttributes'));
  const listResponse = (ctx: Context, p: Paging, r: { total: number; resources: Json[] }) =>
    send(ctx, 200, {
      schemas: [LIST_SCHEMA],
      totalResults: r.total,
      startIndex: p.startIndex,
      itemsPerPage: r.resources.length,
      Resources: r.resources.map((x) => out(ctx, x)),
    });
  const created = (ctx: Context, r: Json) => {
    ctx.set('Location', String((r.meta as Json).location));
    send(ctx, 201, out(ctx, r));
  };
  // Groups: members are the costly part; skip reading them when the client excludes them.
  const wantsMembers = (ctx: Context) => {
    const attrs = list(ctx, 'attributes')?.map((x) => x.toLowerCase());
    const excluded = list(ctx, 'excludedAttributes')?.map((x) => x.toLowerCase());
    return attrs ? attrs.some((x) => x.startsWith('members')) : !excluded?.includes('members');
  };

  router.get('/Users', async (ctx) => {
    const p = paging(ctx);
    listResponse(ctx, p, await deps.users.list(tenant(ctx), { filter: single(ctx, 'filter'), ...p }, baseOf(ctx)));
  });
  router.post('/Users', async (ctx) => created(ctx, await deps.users.create(tenant(ctx), await body(ctx), baseOf(ctx))));
  router.get('/Users/:id', async (ctx) => send(ctx, 200, out(ctx, await deps.users.get(tenant(ctx), ctx.params.id!, baseOf(ctx)))));
  router.put('/Users/:id', async (ctx) => send(ctx, 200, out(ctx, await deps.users.replace(tenant(ctx), ctx.params.id!, await body(ctx), baseOf(ctx)))));
  router.patch('/Users/:id', async (ctx) =>
    send(ctx, 200, out(ctx, await deps.users.patch(tenant(ctx), ctx.params.id!, readPatch(await body(ctx)), baseOf(ctx)))),
  );
  router.delete('/Users/:id', async (ctx) => {
    await deps.users.remove(tenant(ctx), ctx.params.id!);
    ctx.status = 204;
  });

  router.get('/Groups', async (ctx) => {
    const p = paging(ctx);
    listResponse(ctx, p, await deps.groups.list(tenant(ctx), { filter: single(ctx, 'filter'), members: wantsMembers(ctx), ...p }, baseOf(ctx)));
  });
  router.post('/Groups', async (ctx) => created(ctx, await deps.groups.create(tenant(ctx), await body(ctx), baseOf(ctx))));
  router.get('/Groups/:id', async (ctx) =>
    send(ctx, 200, out(ctx, await deps.groups.get(tenant(ctx), ctx.params.id!, baseOf(ctx), { members: wantsMembers(ctx) }))),
  );
  router.put('/Groups/:id', async (ctx) => send(ctx, 200, out(ctx, await deps.groups.replace(tenant(ctx), ctx.params.id!, await body(ctx), baseOf(ctx)))));
  router.patch('/Groups/:id', async (ctx) =>
    send(ctx, 200, out(ctx, await deps.groups.patch(tenant(ctx), ctx.params.id!, readPatch(await body(ctx)), baseOf(ctx)))),
  );
  router.delete('/Groups/:id', async (ctx) => {
    await deps.groups.remove(tenant(ctx), ctx.params.id!);
    ctx.status = 204;
  });

  const docs = (ctx: Context) => discovery(baseOf(ctx), `${deps.issuer}/scim/v2/tenants/${tenant(ctx)}/ServiceProviderConfig`);
  router.get('/ServiceProviderConfig', (ctx) => send(ctx, 200, docs(ctx).serviceProviderConfig));
  router.get('/ResourceTypes', (ctx) => {
    const all = docs(ctx).resourceTypes;
    send(ctx, 200, { schemas: [LIST_SCHEMA], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all });
  });
  router.get('/ResourceTypes/:name', (ctx) => {
    const r = docs(ctx).resourceTypes.find((x) => x.id === ctx.params.name);
    if (!r) throw new ScimError(404, `No resource type '${ctx.params.name!.slice(0, 64)}'; there are User and Group.`);
    send(ctx, 200, r);
  });
  router.get('/Schemas', (ctx) => {
    const all = docs(ctx).schemas;
    send(ctx, 200, { schemas: [LIST_SCHEMA], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all });
  });
  router.get('/Schemas/:id', (ctx) => {
    const s = docs(ctx).schemas.find((x) => x.id === ctx.params.id);
    if (!s) throw new ScimError(404, `No schema '${ctx.params.id!.slice(0, 128)}'.`);
    send(ctx, 200, s);
  });

  // Anything else under a tenant's SCIM base: a SCIM 404 or 405, not the provider's text/plain.
  router.all('{/*rest}', (ctx) => {
    const allowed = new Set(
      router
        .match(ctx.path, ctx.method)
        .path.filter((layer) => !String(layer.path).endsWith('{/*rest}'))
        .flatMap((layer) => layer.methods),
    );
    if (!allowed.size) throw new ScimError(404, `No SCIM endpoint ${ctx.method} ${ctx.path}.`);
    ctx.set('Allow', [...allowed].sort().join(', '));
    throw new ScimError(405, `Method ${ctx.method} is not allowed on ${ctx.path}.`);
  });
  return router;
}
