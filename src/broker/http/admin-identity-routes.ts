// Admin API for users, OAuth clients and signing keys (scope `admin`).
//
// Users belong to a tenant, so their routes sit under /admin/tenants/{tenantId} and are
// refused with 403 tenant_not_allowed (before any lookup) outside the caller's allowed
// tenants, like the tenant routes. Clients and keys are global objects: changing them
// needs a global admin (`*`). A tenant-limited admin may list and read only the clients
// confined to its own tenants (a non-empty allowed-tenant list without `*`, every entry
// among the admin's); any other client answers 404 as if it did not exist. Secrets and
// generated passwords are returned once, in the response that creates them.
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import compose from 'koa-compose';
import { AppError, notFound, validationError } from '../../shared/errors.js';
import type { AccountService, Account } from '../../accounts/accounts.js';
import type { ClientService, ClientSummary } from '../../idp/clients.js';
import type { KeyService } from '../../idp/keys.js';
import type { Access, TenantScope } from '../access.js';
import type { TokenVerifier } from '../ports.js';
import { callerOf, requireService } from './auth.js';
import { readJson } from './body.js';
import {
  clientCreateSchema,
  clientPatchSchema,
  keyRotateSchema,
  parse,
  resetPasswordSchema,
  rotateSecretSchema,
  userCreateSchema,
  userListQuerySchema,
} from './schemas.js';

export interface AdminServices {
  accounts: AccountService;
  clients: ClientService;
  keys: KeyService;
}

/** A user as the API shows it: never the password hash (Account has none). */
const userView = (u: Account) => u;

/** May a tenant-limited admin see this client? Only one confined to the admin's own tenants. */
export function clientVisible(scope: TenantScope, c: Pick<ClientSummary, 'allowedTenants'>): boolean {
  if (scope.all) return true;
  return c.allowedTenants.length > 0 && c.allowedTenants.every((t) => t !== '*' && scope.tenants.includes(t));
}

const globalAdminRequired = () =>
  new AppError('global_admin_required', 403, 'Clients and signing keys are shared by every tenant: this needs a service client whose allowed tenants are "*".');

export function mountAdminIdentity(router: Router, deps: { verifier: TokenVerifier; access: Access; services: AdminServices }): void {
  const { access, services } = deps;
  const { accounts, clients, keys } = services;
  const admin = requireService(deps.verifier, 'admin');
  // PostgreSQL refuses NUL in text: refused here as the client's mistake, not a 500 from the query.
  const param = (ctx: Context, name: string) => {
    const v = (ctx.params as Record<string, string>)[name] ?? '';
    if (v.includes('\0')) throw validationError([{ field: `path.${name}`, message: 'must not contain NUL (U+0000)' }]);
    return v;
  };
  const tenant = (ctx: Context) => param(ctx, 'tenantId');
  const email = (ctx: Context) => param(ctx, 'email');
  const inTenant = compose([
    admin,
    async (ctx: Context, next: Next) => {
      await access.authorizeAdmin(callerOf(ctx), tenant(ctx));
      await next();
    },
  ]);
  const global = compose([
    admin,
    async (ctx: Context, next: Next) => {
      if (!(await access.tenantScope(callerOf(ctx))).all) throw globalAdminRequired();
      await next();
    },
  ]);

  // Users
  router.get('/admin/tenants/:tenantId/users', inTenant, async (ctx) => {
    const q = parse(userListQuerySchema, ctx.query, 'query.');
    const page = await accounts.pageUsers(tenant(ctx), { email: q.email, after: q.after, limit: q.limit ? Number(q.limit) : undefined });
    ctx.body = { users: page.users.map(userView), nextCursor: page.nextCursor };
  });
  router.post('/admin/tenants/:tenantId/users', inTenant, async (ctx) => {
    const body = parse(userCreateSchema, await readJson(ctx));
    const user = await accounts.addUser({ ...body, tenantId: tenant(ctx) });
    ctx.status = 201;
    ctx.set('Location', `/api/v1/admin/tenants/${encodeURIComponent(user.tenantId)}/users/${encodeURIComponent(user.email)}`);
    ctx.body = userView(user);
  });
  router.get('/admin/tenants/:tenantId/users/:email', inTenant, async (ctx) => {
    const user = await accounts.getUser(tenant(ctx), email(ctx));
    if (!user) throw notFound('user', email(ctx));
    ctx.body = userView(user);
  });
  router.post('/admin/tenants/:tenantId/users/:email/disable', inTenant, async (ctx) => {
    ctx.body = userView(await accounts.disableUser(tenant(ctx), email(ctx)));
  });
  router.post('/admin/tenants/:tenantId/users/:email/enable', inTenant, async (ctx) => {
    ctx.body = userView(await accounts.enableUser(tenant(ctx), email(ctx)));
  });
  router.post('/admin/tenants/:tenantId/users/:email/unlock', inTenant, async (ctx) => {
    const { user, wasLocked } = await accounts.unlockUser(tenant(ctx), email(ctx));
    ctx.body = { user: userView(user), wasLocked };
  });
  // Second factor: status, and reset after a lost authenticator (the user enrols again at the next sign-in).
  const userOf = async (ctx: Context) => {
    const user = await accounts.getUser(tenant(ctx), email(ctx));
    if (!user) throw notFound('user', email(ctx));
    return user;
  };
  router.get('/admin/tenants/:tenantId/users/:email/mfa', inTenant, async (ctx) => {
    ctx.body = await accounts.mfaStatus((await userOf(ctx)).id);
  });
  router.post('/admin/tenants/:tenantId/users/:email/reset-mfa', inTenant, async (ctx) => {
    const user = await userOf(ctx);
    ctx.body = { email: user.email, tenantId: user.tenantId, ...(await accounts.resetMfa(user.id, { tenantId: tenant(ctx) })) };
  });
  router.post('/admin/tenants/:tenantId/users/:email/reset-password', inTenant, async (ctx) => {
    const body = parse(resetPasswordSchema, await readJson(ctx));
    const { user, generatedPassword } = await accounts.resetPassword(tenant(ctx), email(ctx), body.password);
    ctx.body = { user: userView(user), ...(generatedPassword ? { generatedPassword } : {}) };
  });

  // Clients
  router.get('/admin/clients', admin, async (ctx) => {
    const scope = await access.tenantScope(callerOf(ctx));
    ctx.body = { clients: (await clients.list()).filter((c) => clientVisible(scope, c)) };
  });
  router.get('/admin/clients/:clientId', admin, async (ctx) => {
    const scope = await access.tenantScope(callerOf(ctx));
    const c = await clients.show(param(ctx, 'clientId'));
    if (!c || !clientVisible(scope, c)) throw new AppError('client_not_found', 404, `client '${param(ctx, 'clientId').slice(0, 128)}' does not exist`);
    ctx.body = c;
  });
  router.post('/admin/clients', global, async (ctx) => {
    const body = parse(clientCreateSchema, await readJson(ctx));
    const created = await clients.add(body);
    const view = await clients.show(created.clientId);
    ctx.status = 201;
    ctx.set('Location', `/api/v1/admin/clients/${encodeURIComponent(created.clientId)}`);
    ctx.body = { ...view, ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}) };
  });
  router.patch('/admin/clients/:clientId', global, async (ctx) => {
    ctx.body = await clients.update(param(ctx, 'clientId'), parse(clientPatchSchema, await readJson(ctx)));
  });
  router.post('/admin/clients/:clientId/rotate-secret', global, async (ctx) => {
    const body = parse(rotateSecretSchema, await readJson(ctx));
    ctx.body = await clients.rotateSecret(param(ctx, 'clientId'), body.overlapSeconds);
  });
  router.delete('/admin/clients/:clientId', global, async (ctx) => {
    if (param(ctx, 'clientId') === callerOf(ctx).clientId) {
      throw new AppError('cannot_remove_self', 409, 'A client cannot remove itself; remove it with another global admin client.');
    }
    await clients.remove(param(ctx, 'clientId'));
    ctx.status = 204;
  });

  // Signing keys (public parts only)
  router.get('/admin/keys', global, async (ctx) => {
    ctx.body = { keys: await keys.list() };
  });
  router.post('/admin/keys/rotate', global, async (ctx) => {
    const body = parse(keyRotateSchema, await readJson(ctx));
    ctx.status = 201;
    ctx.body = await keys.rotate(body.use);
  });
}
