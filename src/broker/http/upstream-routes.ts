// Admin API for upstream identity providers (scope `admin`). An upstream is visible and
// manageable only when every tenant it serves is within the caller's allowed tenants (all
// with `*`): one serving another customer's workspace is answered exactly like a missing
// one, so the answer never tells it exists. Client secrets are write-only.
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import compose from 'koa-compose';
import { AppError, notFound } from '../../shared/errors.js';
import { inScope, type TenantScope } from '../access.js';
import type { Broker } from '../index.js';
import type { UpstreamService, UpstreamView } from '../../federation/upstreams.js';
import { brokerErrors } from '../errors.js';
import { callerOf, requireService } from './auth.js';
import { readJson } from './body.js';

const emailDomainsNeedGlobalAdmin = () =>
  new AppError(
    'global_admin_required',
    403,
    'Email domains route sign-ins across every tenant (single sign-on without a workspace): setting them needs a service client whose allowed tenants are "*", or the CLI.',
  );

const covers = (scope: TenantScope, tenants: string[]) => tenants.every((t) => inScope(scope, t));

export function mountUpstreamAdmin(router: Router, broker: Broker, upstreams: UpstreamService): void {
  const admin = requireService(broker.verifier, 'admin');
  const scopeOf = (ctx: Context) => broker.access.tenantScope(callerOf(ctx));
  const id = (ctx: Context) => (ctx.params as Record<string, string>).upstreamId!;
  /** Loads the upstream into ctx.state.upstream if the caller may see it; 404 otherwise. */
  const visible = compose([
    admin,
    async (ctx: Context, next: Next) => {
      // Only "no such upstream" is a 404; a database outage stays an error (503 + Retry-After):
      // answering 404 would tell automation the upstream is gone.
      const [scope, u] = await Promise.all([
        scopeOf(ctx),
        upstreams.get(id(ctx)).catch((err: unknown) => {
          if (err instanceof AppError && err.status === 404) return null;
          throw err;
        }),
      ]);
      if (!u || !covers(scope, u.tenants)) throw notFound('upstream', id(ctx).slice(0, 64));
      (ctx.state as { upstream: UpstreamView }).upstream = u;
      await next();
    },
  ]);
  /**
   * A body naming tenants outside the caller's scope is refused before anything is written.
   * So are email domains from a tenant-limited client: "Continue with single sign-on" routes
   * an email without a workspace by domain across every tenant, so a client of tenant A
   * claiming globex.com would send Globex's users to A's identity provider.
   */
  async function allowedBody(ctx: Context): Promise<unknown> {
    const body = await readJson(ctx);
    const { tenants, emailDomains } = (body ?? {}) as { tenants?: unknown; emailDomains?: unknown };
    if (Array.isArray(tenants) || (Array.isArray(emailDomains) && emailDomains.length)) {
      const scope = await scopeOf(ctx);
      const outside = Array.isArray(tenants) ? tenants.find((t) => typeof t === 'string' && !inScope(scope, t)) : undefined;
      if (outside !== undefined) throw brokerErrors.tenantNotAllowed(callerOf(ctx).clientId, outside as string);
      if (Array.isArray(emailDomains) && emailDomains.length && !scope.all) throw emailDomainsNeedGlobalAdmin();
    }
    return body;
  }

  router.get('/admin/upstreams', admin, async (ctx) => {
    const scope = await scopeOf(ctx);
    ctx.body = { upstreams: (await upstreams.list()).filter((u) => covers(scope, u.tenants)) };
  });
  router.post('/admin/upstreams', admin, async (ctx) => {
    const u = await upstreams.add(await allowedBody(ctx));
    ctx.status = 201;
    ctx.set('Location', `/api/v1/admin/upstreams/${encodeURIComponent(u.id)}`);
    ctx.body = u;
  });
  router.get('/admin/upstreams/:upstreamId', visible, (ctx) => {
    ctx.body = (ctx.state as { upstream: UpstreamView }).upstream;
  });
  router.patch('/admin/upstreams/:upstreamId', visible, async (ctx) => {
    ctx.body = await upstreams.update(id(ctx), await allowedBody(ctx));
  });
  router.delete('/admin/upstreams/:upstreamId', visible, async (ctx) => {
    await upstreams.remove(id(ctx));
    ctx.status = 204;
  });
}
