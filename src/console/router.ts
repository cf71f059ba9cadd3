// The admin console at /admin: server-rendered pages (views/admin/), one stylesheet, no
// scripts. Every page and action runs behind auth.requireAdmin (signed-in operator, CSRF on
// POST) and checks the administrator's tenants itself: a tenant-limited administrator gets
// 403 for any other tenant's page or action, and sees only their tenants' audit events;
// clients and keys need an administrator of all tenants. Actions are POST + redirect with a
// one-line message; secrets (a rotated client secret, a generated password, an onboarding
// link) are rendered once in the POST's own response and never stored.
import Router from '@koa/router';
import type { Context } from 'koa';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readForm } from '../http/form.js';
import type { Views } from '../http/views.js';
import { AppError, validationError } from '../shared/errors.js';
import type { AccountService } from '../accounts/accounts.js';
import type { ClientService } from '../idp/clients.js';
import type { KeyService, KeyUse } from '../idp/keys.js';
import type { CheckReport } from '../broker/check.js';
import type { AuditFilters, AuditView } from '../broker/audit.js';
import { missingDetails, type Tenant, type TenantService } from '../tenants/tenants.js';
import { AUTH_MODES, STRING_DETAILS } from '../tenants/validate.js';
import { STEP_LABELS } from '../tenants/self-service.js';
import type { OnboardingLinks } from '../tenants/onboarding-link.js';
import { buildKit } from '../tenants/kit/index.js';
import { allows, requireGlobal, requireTenant, type Admin, type ConsoleAuth } from './auth.js';

export interface ConsoleDeps {
  auth: ConsoleAuth;
  views: Views;
  tenants: TenantService;
  accounts: AccountService;
  clients: ClientService;
  keys: KeyService;
  /** Re-reads keys so this instance signs with a rotated key without waiting for the timer. */
  refreshKeys(): Promise<unknown>;
  check(callerId: string, tenantId: string, who: { email: string }): Promise<CheckReport>;
  audit(filters: AuditFilters): Promise<{ events: AuditView[]; nextCursor: string | null }>;
  links: OnboardingLinks;
  issuer: string;
  production: boolean;
}

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
// From src/console (tsx) or dist/src/console (built), like src/http/views.ts.
const CSS_PATHS = ['../../views/admin/console.css', '../../../views/admin/console.css'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
const CSS = readFileSync(CSS_PATHS.find((p) => existsSync(p)) ?? CSS_PATHS[0] ?? '', 'utf8');
const DETAIL_LABELS: Record<string, string> = {
  qbusinessApplicationId: 'Q Business application ID',
  qbusinessRegion: 'Q Business Region',
  retrieverId: 'Retriever ID',
  idcApplicationArn: 'Data accessor application ARN',
  idcRegion: 'Identity Center Region',
  roleArn: 'Data-accessor role ARN',
  authMode: 'How users get their identity context',
  authCodeRedirectUri: 'Authorization-code redirect URI (authorization-code mode)',
  stsEndpoint: 'STS endpoint (optional)',
  ssoOidcEndpoint: 'SSO OIDC endpoint (optional)',
  qbusinessEndpoint: 'Q Business endpoint (optional)',
};
const PAGE_SIZE = 50;
/** How long a rotated client secret keeps working, offered on the clients page (0 = revoked at once). */
const OVERLAP_HOURS = [0, 1, 24, 168];
const str = (v: unknown) => (typeof v === 'string' ? v : '');
/** A path parameter, already decoded by the router. */
const param = (ctx: Context, name: string) => {
  const v = str((ctx.params as Record<string, string>)[name]);
  if (v.includes('\0')) throw validationError([{ field: name, message: 'must not contain NUL (U+0000)' }]);
  return v;
};

export function createConsoleRouter(deps: ConsoleDeps): Router {
  const { auth, views } = deps;
  const router = new Router({ prefix: '/admin' });
  const admin = (ctx: Context) => ctx.state.admin as Admin;

  async function render(ctx: Context, name: string, data: Record<string, unknown>): Promise<void> {
    const a = admin(ctx);
    views.render(ctx, `admin/${name}`, {
      ...data,
      admin: { email: a.email, all: a.scope.all, tenants: a.scope.tenants },
      csrf: a.session.csrf,
      flash: await auth.takeFlash(a.session),
      current: name,
    });
    ctx.set('Content-Security-Policy', CSP);
  }
  const done = async (ctx: Context, message: string, to: string) => {
    await auth.flash(admin(ctx).session, message);
    ctx.redirect(to);
    ctx.status = 303;
  };
  async function tenantOf(ctx: Context): Promise<Tenant> {
    const id = param(ctx, 'tenantId');
    requireTenant(admin(ctx).scope, id); // before the lookup: a 403 never tells whether it exists
    const t = await deps.tenants.get(id);
    if (!t) throw new AppError('tenant_not_found', 404, `Tenant '${id}' does not exist.`);
    return t;
  }
  const tenantPath = (t: Tenant | string) => `/admin/tenants/${encodeURIComponent(typeof t === 'string' ? t : t.id)}`;

  router.get('/console.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = CSS;
  });
  router.use((ctx, next) => {
    auth.track(ctx);
    return next();
  });
  router.get('/login', (ctx) => auth.start(ctx));
  router.get('/callback', (ctx) => auth.finish(ctx));
  router.get('/signed-out', (ctx) => views.render(ctx, 'admin/signed-out', {}));
  // Forms first (requireAdmin checks their CSRF token), then the guard for everything else.
  router.use(async (ctx, next) => {
    const form = ctx.method === 'POST' ? await readForm(ctx) : {};
    // PostgreSQL refuses NUL in text: a form or query carrying one is the sender's mistake, not a 500.
    const bad = [...Object.entries(form), ...Object.entries(ctx.query)]
      .filter(([, v]) => [v ?? ''].flat().some((x) => x.includes('\0')))
      .map(([k]) => ({ field: k, message: 'must not contain NUL (U+0000)' }));
    if (bad.length) throw validationError(bad);
    if (ctx.method === 'POST') ctx.state.form = form;
    return next();
  });
  router.use((ctx, next) => auth.requireAdmin(ctx, next));

  router.post('/logout', async (ctx) => {
    await auth.logout(ctx);
    // Ends the provider's sign-in session too (it asks for confirmation, then comes back).
    ctx.redirect(`/session/end?client_id=tti-bridge-console&post_logout_redirect_uri=${encodeURIComponent(`${deps.issuer}/admin/signed-out`)}`);
    ctx.status = 303;
  });
  router.get('/', (ctx) => ctx.redirect('/admin/tenants'));

  // Tenants
  router.get('/tenants', async (ctx) => {
    const { scope } = admin(ctx);
    const list = (await deps.tenants.list()).filter((t) => allows(scope, t.id));
    await render(ctx, 'tenants', {
      tenants: list.map((t) => ({ id: t.id, name: t.name, status: t.status, missing: missingDetails(t).map((k) => DETAIL_LABELS[k] ?? k) })),
    });
  });
  router.post('/tenants', async (ctx) => {
    const form = ctx.state.form as Record<string, string>;
    const id = str(form.id).trim();
    requireTenant(admin(ctx).scope, id);
    const t = await deps.tenants.add({ id, name: str(form.name) });
    await done(ctx, `Tenant ${t.id} added. Enter its details, or send its administrator a self-service link.`, tenantPath(t));
  });

  async function tenantPage(ctx: Context, t: Tenant, extra: Record<string, unknown> = {}) {
    await render(ctx, 'tenant', {
      tenant: { id: t.id, name: t.name, status: t.status, path: tenantPath(t) },
      missing: missingDetails(t).map((k) => DETAIL_LABELS[k] ?? k),
      fields: STRING_DETAILS.map((k) => ({ name: k, label: DETAIL_LABELS[k] ?? k, value: t[k] ?? '', options: k === 'authMode' ? AUTH_MODES : undefined })),
      ...extra,
      report: extra.report && {
        ok: (extra.report as CheckReport).ok,
        steps: (extra.report as CheckReport).steps.map((s) => ({ ...s, label: STEP_LABELS[s.step] ?? s.step })),
      },
    });
  }
  router.get('/tenants/:tenantId', async (ctx) => tenantPage(ctx, await tenantOf(ctx)));
  router.post('/tenants/:tenantId', async (ctx) => {
    const t = await tenantOf(ctx);
    const form = ctx.state.form as Record<string, string>;
    const patch: Record<string, string> = { name: str(form.name) };
    for (const k of STRING_DETAILS) if (k in form) patch[k] = str(form[k]);
    try {
      await deps.tenants.update(t.id, patch);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      ctx.status = 400;
      const problems = err.options.fields ?? [];
      return tenantPage(ctx, { ...t, ...patch } as Tenant, { problems: problems.map((p) => ({ ...p, label: DETAIL_LABELS[p.field] ?? p.field })) });
    }
    await done(ctx, `Saved tenant ${t.id}.`, tenantPath(t));
  });
  router.post('/tenants/:tenantId/disable', async (ctx) => {
    const t = await deps.tenants.disable((await tenantOf(ctx)).id);
    await done(ctx, `Tenant ${t.id} is disabled: its searches are refused and cached sessions dropped.`, tenantPath(t));
  });
  router.post('/tenants/:tenantId/enable', async (ctx) => {
    const t = await deps.tenants.enable((await tenantOf(ctx)).id);
    await done(ctx, `Tenant ${t.id} is ${t.status} again.`, tenantPath(t));
  });
  // One check per tenant at a time: each one mints an assertion and calls AWS four times.
  const checking = new Set<string>();
  router.post('/tenants/:tenantId/check', async (ctx) => {
    const t = await tenantOf(ctx);
    const email = str((ctx.state.form as Record<string, string>).email).trim();
    if (!email) throw validationError([{ field: 'email', message: 'enter the email of a user of this tenant to run the check as' }]);
    if (checking.has(t.id))
      throw new AppError('check_in_progress', 429, 'A check for this tenant is already running. Wait for it, then try again.', { retryAfter: 5 });
    checking.add(t.id);
    try {
      const report = await deps.check(`console:${admin(ctx).email}`, t.id, { email });
      await tenantPage(ctx, t, { report, checkEmail: email });
    } finally {
      checking.delete(t.id);
    }
  });
  router.post('/tenants/:tenantId/onboarding-link', async (ctx) => {
    const t = await tenantOf(ctx);
    if (t.status !== 'pending') throw new AppError('tenant_not_pending', 409, `Tenant ${t.id} is ${t.status}; self-service links are for pending tenants.`);
    const days = Number(str((ctx.state.form as Record<string, string>).days) || '7');
    const link = deps.links.issue(t.id, Number.isInteger(days) ? days * 86400 : Number.NaN);
    await tenantPage(ctx, t, { link });
  });

  // Onboarding kit: values and files, built from the tenant row like `tenants kit`.
  function kitOf(ctx: Context, t: Tenant, audience: string | null) {
    const q = (k: string) => str(ctx.query[k]).trim() || undefined;
    const options = { roleArn: q('roleArn'), applicationPrincipal: q('applicationPrincipal'), displayName: q('displayName') };
    try {
      return { options, kit: buildKit({ tenant: t, issuer: deps.issuer, dataAccessorClientId: audience, ...options }, { allowHttpIssuer: !deps.production }) };
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      return { options, problems: err.options.fields ?? [] };
    }
  }
  router.get('/tenants/:tenantId/kit', async (ctx) => {
    const t = await tenantOf(ctx);
    const { kit, options, problems } = kitOf(ctx, t, await deps.clients.dataAccessorClientId());
    const query = new URLSearchParams(Object.entries(options).filter((e): e is [string, string] => Boolean(e[1]))).toString();
    await render(ctx, 'kit', {
      tenant: { id: t.id, name: t.name, path: tenantPath(t) },
      options,
      problems,
      warnings: kit?.warnings ?? [],
      values: kit?.values,
      files: kit ? Object.keys(kit.files).map((name) => ({ name, href: `${tenantPath(t)}/kit/${name}${query ? `?${query}` : ''}` })) : [],
    });
  });
  router.get('/tenants/:tenantId/kit/:file', async (ctx) => {
    const t = await tenantOf(ctx);
    const { kit, problems } = kitOf(ctx, t, await deps.clients.dataAccessorClientId());
    if (!kit) throw validationError(problems ?? []);
    const name = param(ctx, 'file');
    const content = Object.hasOwn(kit.files, name) ? kit.files[name] : undefined;
    if (content === undefined) throw new AppError('file_not_found', 404, `The kit has no file '${name}'.`);
    ctx.type = name.endsWith('.json') ? 'application/json' : 'text/plain';
    ctx.set('Content-Disposition', `attachment; filename="${t.id}-${name}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = content;
  });

  // Users of a tenant
  async function usersPage(ctx: Context, t: Tenant, extra: Record<string, unknown> = {}) {
    const q = str(ctx.query.q).trim().slice(0, 320);
    const after = str(ctx.query.after).slice(0, 320);
    const { users, nextCursor } = await deps.accounts.pageUsers(t.id, { email: q || undefined, after: after || undefined, limit: PAGE_SIZE });
    const rows = await Promise.all(
      users.map(async (u) => ({
        email: u.email,
        name: u.name,
        groups: u.groups.join(', '),
        disabled: u.disabled,
        hasPassword: u.hasPassword,
        locked: await deps.accounts.isLocked(t.id, u.email),
        mfa: (await deps.accounts.mfaStatus(u.id)).enrolled,
        lastLoginAt: u.lastLoginAt?.toISOString().slice(0, 16).replace('T', ' ') ?? null,
      })),
    );
    await render(ctx, 'users', {
      tenant: { id: t.id, name: t.name, path: tenantPath(t) },
      users: rows,
      q,
      next: nextCursor ? `${tenantPath(t)}/users?${new URLSearchParams({ q, after: nextCursor })}` : null,
      ...extra,
    });
  }
  router.get('/tenants/:tenantId/users', async (ctx) => usersPage(ctx, await tenantOf(ctx)));
  router.post('/tenants/:tenantId/users/:action', async (ctx) => {
    const t = await tenantOf(ctx);
    const email = str((ctx.state.form as Record<string, string>).email);
    const back = `${tenantPath(t)}/users`;
    switch (param(ctx, 'action')) {
      case 'disable':
        await deps.accounts.disableUser(t.id, email);
        return done(ctx, `${email} is disabled: sign-in and searches are refused.`, back);
      case 'enable':
        await deps.accounts.enableUser(t.id, email);
        return done(ctx, `${email} is enabled.`, back);
      case 'unlock': {
        const { wasLocked } = await deps.accounts.unlockUser(t.id, email);
        return done(ctx, wasLocked ? `${email} is unlocked.` : `${email} was not locked; failed-login count cleared.`, back);
      }
      case 'reset-mfa': {
        // A lost phone: the authenticator and recovery codes go; the next sign-in enrols again if required.
        const user = await deps.accounts.getUser(t.id, email);
        if (!user) throw new AppError('user_not_found', 404, `user '${email}' does not exist`);
        const { reset } = await deps.accounts.resetMfa(user.id, { tenantId: t.id });
        return done(
          ctx,
          reset
            ? `${user.email}'s authenticator is removed; they set up a new one at their next sign-in if the tenant requires it.`
            : `${user.email} had no authenticator.`,
          back,
        );
      }
      case 'reset-password': {
        const { user, generatedPassword } = await deps.accounts.resetPassword(t.id, email);
        ctx.set('Cache-Control', 'no-store');
        return usersPage(ctx, t, { reset: { email: user.email, password: generatedPassword } });
      }
      default:
        throw new AppError('not_found', 404, 'No such user action.');
    }
  });

  // Audit trail
  router.get('/audit', async (ctx) => {
    const { scope } = admin(ctx);
    const q = (k: string) => str(ctx.query[k]).trim().slice(0, 256);
    const f = { tenant: q('tenant'), kind: q('kind'), outcome: q('outcome'), errorCode: q('errorCode'), since: q('since'), until: q('until') };
    if (f.tenant) requireTenant(scope, f.tenant);
    const when = (field: string, v: string) => {
      if (!v) return undefined;
      const d = new Date(/Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`); // datetime-local inputs are UTC here
      if (Number.isNaN(d.getTime())) throw validationError([{ field, message: 'must be a date and time like 2026-01-31T09:30 (UTC)' }]);
      return d;
    };
    if (f.kind && !['exchange', 'search', 'check'].includes(f.kind)) throw validationError([{ field: 'kind', message: 'must be exchange, search or check' }]);
    if (f.outcome && !['success', 'failure'].includes(f.outcome)) throw validationError([{ field: 'outcome', message: 'must be success or failure' }]);
    const before = q('before');
    const { events, nextCursor } = await deps.audit({
      tenantIds: scope.all ? undefined : scope.tenants,
      tenantId: f.tenant || undefined,
      kind: f.kind || undefined,
      outcome: f.outcome || undefined,
      errorCode: f.errorCode || undefined,
      since: when('since', f.since),
      until: when('until', f.until),
      before: /^\d+$/.test(before) ? before : undefined,
      limit: PAGE_SIZE,
    });
    const tenants = (await deps.tenants.list()).filter((t) => allows(scope, t.id)).map((t) => t.id);
    await render(ctx, 'audit', {
      filters: f,
      tenants,
      events: events.map((e) => ({
        ...e,
        at: e.at.slice(0, 19).replace('T', ' '),
        failedStep: (e.detail as { failedStep?: string; step?: string } | null)?.failedStep ?? (e.detail as { step?: string } | null)?.step ?? null,
      })),
      next: nextCursor ? `/admin/audit?${new URLSearchParams({ ...f, before: nextCursor })}` : null,
    });
  });

  // Clients and keys: administrators of all tenants only.
  async function clientsPage(ctx: Context, extra: Record<string, unknown> = {}) {
    requireGlobal(admin(ctx).scope);
    const list = await deps.clients.list();
    await render(ctx, 'clients', {
      overlapHours: OVERLAP_HOURS,
      clients: list.map((c) => ({
        ...c,
        allowed: c.allowedTenants.join(', '),
        createdAt: c.createdAt.toISOString().slice(0, 10),
        hasSecret: c.kind === 'web' || c.kind === 'service',
      })),
      ...extra,
    });
  }
  router.get('/clients', async (ctx) => clientsPage(ctx));
  router.post('/clients/:clientId/allowed-tenants', async (ctx) => {
    requireGlobal(admin(ctx).scope);
    const id = param(ctx, 'clientId');
    const list = str((ctx.state.form as Record<string, string>).allowedTenants)
      .split(/[\s,]+/)
      .filter(Boolean);
    await deps.clients.update(id, { allowedTenants: list });
    await done(ctx, `Client ${id} may now act for: ${list.join(', ') || '(no tenants)'}.`, '/admin/clients');
  });
  router.post('/clients/:clientId/rotate-secret', async (ctx) => {
    requireGlobal(admin(ctx).scope);
    const hours = Number(str((ctx.state.form as Record<string, string>).overlapHours) || '0');
    if (!OVERLAP_HOURS.includes(hours)) throw validationError([{ field: 'overlapHours', message: `must be one of ${OVERLAP_HOURS.join(', ')}` }]);
    const rotated = await deps.clients.rotateSecret(param(ctx, 'clientId'), hours * 3600);
    ctx.set('Cache-Control', 'no-store');
    await clientsPage(ctx, { rotated });
  });
  router.get('/keys', async (ctx) => {
    requireGlobal(admin(ctx).scope);
    const list = await deps.keys.list();
    const iso = (d: Date | null) => d?.toISOString().slice(0, 16).replace('T', ' ') ?? '';
    await render(ctx, 'keys', { keys: list.map((k) => ({ ...k, activatesAt: iso(k.activatesAt), retiredAt: iso(k.retiredAt), expiresAt: iso(k.expiresAt) })) });
  });
  router.post('/keys/rotate', async (ctx) => {
    requireGlobal(admin(ctx).scope);
    const use = str((ctx.state.form as Record<string, string>).use);
    if (use !== 'sig' && use !== 'cookie') throw validationError([{ field: 'use', message: 'must be sig or cookie' }]);
    const key = await deps.keys.rotate(use as KeyUse);
    await deps.refreshKeys();
    await done(ctx, `New ${key.use} key ${key.kid}: published now, used from ${key.activatesAt.toISOString()}.`, '/admin/keys');
  });

  return router;
}
