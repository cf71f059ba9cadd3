// Admin API (scope `admin`): tenants, the setup check, the audit trail. Tenant field
// validation belongs to the tenant service, whose messages name each field. Every route
// honours the caller's allowed tenants (global admin only with `*`): a tenant outside them
// is refused with 403 tenant_not_allowed before it is looked up, so the answer never
// tells whether it exists.
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import compose from 'koa-compose';
import { AppError, notFound, validationError } from '../../shared/errors.js';
import { tenantView } from '../../tenants/tenants.js';
import { inScope } from '../access.js';
import type { Broker } from '../index.js';
import { callerOf, requireService } from './auth.js';
import { readJson } from './body.js';
import { auditQuerySchema, checkBodySchema, onboardingLinkBodySchema, parse } from './schemas.js';
import type { OnboardingLinks } from '../../tenants/onboarding-link.js';

async function objectBody(ctx: Context): Promise<Record<string, unknown>> {
  const body = await readJson(ctx);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationError([{ field: '(body)', message: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

export function mountAdmin(router: Router, broker: Broker, links?: OnboardingLinks): void {
  const admin = requireService(broker.verifier, 'admin');
  const { tenants, access } = broker;
  const id = (ctx: Context) => (ctx.params as Record<string, string>).tenantId!;
  /** For routes naming a tenant: the caller must be allowed it. */
  const auth = compose([
    admin,
    async (ctx: Context, next: Next) => {
      await access.authorizeAdmin(callerOf(ctx), id(ctx));
      await next();
    },
  ]);

  router.get('/admin/tenants', admin, async (ctx) => {
    const scope = await access.tenantScope(callerOf(ctx));
    ctx.body = { tenants: (await tenants.list()).filter((t) => inScope(scope, t.id)).map(tenantView) };
  });
  router.post('/admin/tenants', admin, async (ctx) => {
    const body = await objectBody(ctx);
    // A malformed id is a validation problem (the tenant service says so); a well-formed one must be allowed.
    if (typeof body.id === 'string') await access.authorizeAdmin(callerOf(ctx), body.id);
    const t = await tenants.add(body as never);
    ctx.status = 201;
    ctx.set('Location', `/api/v1/admin/tenants/${encodeURIComponent(t.id)}`);
    ctx.body = tenantView(t);
  });
  router.get('/admin/tenants/:tenantId', auth, async (ctx) => {
    const t = await tenants.get(id(ctx));
    if (!t) throw notFound('tenant', id(ctx));
    ctx.body = tenantView(t);
  });
  router.patch('/admin/tenants/:tenantId', auth, async (ctx) => {
    ctx.body = tenantView(await tenants.update(id(ctx), (await objectBody(ctx)) as never));
  });
  router.post('/admin/tenants/:tenantId/disable', auth, async (ctx) => {
    ctx.body = tenantView(await tenants.disable(id(ctx))); // the service's change event drops cached sessions
  });
  router.post('/admin/tenants/:tenantId/enable', auth, async (ctx) => {
    ctx.body = tenantView(await tenants.enable(id(ctx)));
  });
  router.post('/admin/tenants/:tenantId/check', auth, async (ctx) => {
    const body = parse(checkBodySchema, await readJson(ctx));
    ctx.body = await broker.check(callerOf(ctx).clientId, id(ctx), body);
  });
  if (links) {
    router.post('/admin/tenants/:tenantId/onboarding-link', auth, async (ctx) => {
      // A body sent chunked has no length but must still be read: a lifetime asked for and
      // silently ignored would hand out a 7-day credential instead.
      const body = parse(onboardingLinkBodySchema, ctx.request.length || ctx.get('transfer-encoding') ? await readJson(ctx) : {});
      const t = await tenants.get(id(ctx));
      if (!t) throw notFound('tenant', id(ctx));
      if (t.status !== 'pending') {
        throw new AppError(
          'tenant_not_pending',
          409,
          `Tenant '${t.id}' is ${t.status}; onboarding links are for pending tenants (a link never changes a connected or disabled tenant).`,
        );
      }
      ctx.status = 201;
      ctx.body = { tenantId: t.id, ...links.issue(t.id, body.expiresInSeconds) };
    });
  }
  router.get('/admin/audit', admin, async (ctx) => {
    const q = parse(auditQuerySchema, ctx.query, 'query.');
    const scope = await access.tenantScope(callerOf(ctx));
    if (q.tenantId !== undefined) await access.authorizeAdmin(callerOf(ctx), q.tenantId);
    ctx.body = await broker.audit.list({
      tenantIds: scope.all ? undefined : scope.tenants, // events with no tenant only for `*`
      ...q,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      limit: q.limit ? Number(q.limit) : undefined,
    });
  });
}
