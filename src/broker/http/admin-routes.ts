// Admin API (scope `admin`): tenants, the setup check, the audit trail. Tenant field
// validation belongs to the tenant service, whose messages name each field.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { notFound, validationError } from '../../shared/errors.js';
import { tenantView } from '../../tenants/tenants.js';
import type { Broker } from '../index.js';
import { callerOf, requireService } from './auth.js';
import { readJson } from './body.js';
import { auditQuerySchema, checkBodySchema, parse } from './schemas.js';

async function objectBody(ctx: Context): Promise<Record<string, unknown>> {
  const body = await readJson(ctx);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationError([{ field: '(body)', message: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

export function mountAdmin(router: Router, broker: Broker): void {
  const auth = requireService(broker.verifier, 'admin');
  const { tenants } = broker;
  const id = (ctx: Context) => (ctx.params as Record<string, string>).tenantId!;

  router.get('/admin/tenants', auth, async (ctx) => {
    ctx.body = { tenants: (await tenants.list()).map(tenantView) };
  });
  router.post('/admin/tenants', auth, async (ctx) => {
    const t = await tenants.add((await objectBody(ctx)) as never);
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
  router.get('/admin/audit', auth, async (ctx) => {
    const q = parse(auditQuerySchema, ctx.query, 'query.');
    ctx.body = await broker.audit.list({
      ...q, since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined, limit: q.limit ? Number(q.limit) : undefined,
    });
  });
}
