// Login, consent and abort pages for node-oidc-provider's interactions. Mounted before
// the provider. Every failure the user can cause renders a page with a clear message.
import Router from '@koa/router';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { errors } from 'oidc-provider';
import type { ProviderHolder } from './provider-holder.js';
import type { Views } from '../http/views.js';
import { readForm } from '../http/form.js';
import type { AuthResult } from '../accounts/types.js';
import type { LoginAttempt } from './signin-log.js';
import type { FederatedLogin } from '../federation/login.js';
import { AppError } from '../shared/errors.js';

export interface InteractionDeps {
  holder: ProviderHolder;
  views: Views;
  authenticate(input: { tenantId: string; email: string; password: string; ip?: string }): Promise<AuthResult>;
  isFirstParty(clientId: string): Promise<boolean>;
  /** The name people recognise, shown instead of the opaque client id. */
  clientName(clientId: string): Promise<string>;
  /** Every login attempt (metrics and the sign-in log). */
  onLogin?: (attempt: LoginAttempt) => void;
  /** Consent given (the user confirmed, or a first-party client was granted it). */
  onConsent?: (e: { userId?: string; clientId: string; scopes: string[]; ip: string }) => void;
  /** Server secret the forms' CSRF tokens are derived from (SECRET_KEY). */
  csrfSecret: string;
  /** Sign-in through upstream identity providers (src/federation/login.ts); absent = passwords only. */
  federation?: FederatedLogin;
  /** A federated sign-in succeeded (sign-in log and metrics). */
  onFederatedLogin?: (e: { accountId: string; tenantId: string; upstream: string; clientId: string; ip: string }) => void;
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Sign you in',
  email: 'See your email address',
  profile: 'See your name',
  tenant: 'See which workspace you belong to',
  groups: 'See your groups',
  offline_access: 'Stay signed in to this app (refresh tokens)',
};

const FEDERATION_TITLES: Record<string, string> = {
  upstream_unavailable: 'Sign-in provider unavailable',
  upstream_misconfigured: 'Sign-in provider misconfigured',
  upstream_token_error: 'Sign-in provider refused',
  upstream_unknown: 'Unknown sign-in option',
  upstream_refused: 'Sign-in cancelled or refused',
  upstream_id_token_invalid: 'Sign-in could not be verified',
  upstream_email_missing: 'No email address',
  upstream_email_unverified: 'Email address not verified',
  upstream_tenant_unmapped: 'No workspace for your organisation',
  upstream_tenant_mismatch: 'Wrong workspace',
  upstream_tenant_ambiguous: 'Choose your workspace',
  upstream_flow_expired: 'Sign-in expired',
  upstream_claims_invalid: 'Sign-in could not be verified',
  account_has_password: 'Account already exists',
  account_linked_elsewhere: 'Account already linked',
  email_in_use: 'Email address in use',
  user_disabled: 'Account disabled',
  tenant_unavailable: 'Workspace unavailable',
};

type Details = Awaited<ReturnType<ReturnType<ProviderHolder['current']>['interactionDetails']>>;

/**
 * CSRF token of an interaction's forms: an HMAC of its uid under the server secret. Only a
 * page we rendered for this interaction carries it, so another site cannot post the forms
 * (SameSite=Lax cookies alone are not enough: e.g. same-site subdomains, older browsers).
 */
export function interactionCsrfToken(secret: string, uid: string): string {
  return createHmac('sha256', secret).update(`interaction-csrf:${uid}`).digest('base64url');
}

function csrfValid(secret: string, uid: string, presented: string | undefined): boolean {
  const expected = Buffer.from(interactionCsrfToken(secret, uid));
  const given = Buffer.from(presented ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createInteractionRouter(deps: InteractionDeps): Router {
  const { holder, views } = deps;
  const router = new Router();

  async function details(ctx: Context): Promise<Details | null> {
    try {
      return await holder.current().interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      if (!(err instanceof errors.SessionNotFound)) throw err;
      ctx.status = 400;
      views.render(ctx, 'error', { error: 'Sign-in expired', description: 'This sign-in page has expired or was already used. Go back to the application and sign in again.', status: 400 });
      return null;
    }
  }

  const csrf = (uid: string) => interactionCsrfToken(deps.csrfSecret, uid);

  /** Reads the posted form; renders a 403 page (and returns null) unless it carries this interaction's CSRF token. */
  async function checkedForm(ctx: Context, d: Details): Promise<Record<string, string> | null> {
    const form = await readForm(ctx);
    if (csrfValid(deps.csrfSecret, d.uid, form.csrf)) return form;
    ctx.status = 403;
    views.render(ctx, 'error', {
      error: 'Request refused',
      description: 'This form was not sent from the sign-in page (its security token is missing or wrong). Go back to the application and sign in again.',
      status: 403,
    });
    return null;
  }

  const finish = (ctx: Context, result: Record<string, unknown>, merge: boolean) =>
    holder.current().interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge }).then(() => { ctx.respond = false; });

  async function renderLogin(ctx: Context, d: Details, extra: { error?: string; email?: string; tenant?: string }) {
    const params = d.params as Record<string, string | undefined>;
    const fed = deps.federation;
    views.render(ctx, 'login', {
      uid: d.uid, csrf: csrf(d.uid), client: await deps.clientName(d.params.client_id as string), error: extra.error,
      email: extra.email ?? params.login_hint ?? '', tenant: extra.tenant ?? params.tenant ?? '',
      // Buttons only for the workspace the application named: the page never lists other customers' providers.
      upstreams: fed ? await fed.options(params.tenant ?? null) : [], sso: fed ? await fed.hasAny() : false,
    });
  }

  /** A federated sign-in failure as a page: what went wrong and what to do (503 + Retry-After when the upstream is down). */
  function federationError(ctx: Context, err: unknown): void {
    if (!(err instanceof AppError) || err.status >= 500 && err.code !== 'upstream_unavailable' && err.code !== 'upstream_misconfigured' && err.code !== 'upstream_token_error') throw err;
    ctx.status = err.status;
    if (err.options.retryAfter) ctx.set('Retry-After', String(err.options.retryAfter));
    views.render(ctx, 'error', { error: FEDERATION_TITLES[err.code] ?? 'Sign-in failed', description: err.message, status: err.status });
  }

  async function grantAll(ctx: Context, d: Details): Promise<void> {
    const provider = holder.current();
    const grant = d.grantId ? await provider.Grant.find(d.grantId) : new provider.Grant({ accountId: d.session!.accountId, clientId: d.params.client_id as string });
    const missing = d.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant!.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant!.save();
    deps.onConsent?.({ userId: d.session?.accountId, clientId: d.params.client_id as string, scopes: missing.missingOIDCScope ?? [], ip: ctx.ip });
    await finish(ctx, { consent: { grantId } }, true);
  }

  router.get('/interaction/:uid', async (ctx) => {
    const d = await details(ctx);
    if (!d) return;
    if (d.prompt.name === 'login') return renderLogin(ctx, d, {});
    if (await deps.isFirstParty(d.params.client_id as string)) return grantAll(ctx, d);
    const missing = (d.prompt.details as { missingOIDCScope?: string[] }).missingOIDCScope ?? [];
    views.render(ctx, 'consent', { uid: d.uid, csrf: csrf(d.uid), client: await deps.clientName(d.params.client_id as string), scopes: missing.map((s) => ({ name: s, text: SCOPE_TEXT[s] ?? s })) });
  });

  router.post('/interaction/:uid/login', async (ctx) => {
    const d = await details(ctx);
    if (!d) return;
    const form = await checkedForm(ctx, d);
    if (!form) return;
    const [tenant, email] = [(form.tenant ?? '').trim(), (form.email ?? '').trim()];
    if (d.prompt.name !== 'login') return ctx.redirect(`/interaction/${d.uid}`);
    if (!tenant || !email || !form.password) {
      ctx.status = 400;
      return renderLogin(ctx, d, { error: 'Enter your workspace, email and password.', email, tenant });
    }
    const attempt = { tenantId: tenant, email, clientId: d.params.client_id as string, ip: ctx.ip };
    let result: AuthResult;
    try {
      result = await deps.authenticate({ tenantId: tenant, email, password: form.password, ip: ctx.ip });
    } catch (err) {
      if (err instanceof AppError && err.code === 'server_busy') deps.onLogin?.({ ...attempt, result: 'server_busy' });
      throw err;
    }
    deps.onLogin?.({ ...attempt, result });
    if (!result.ok) {
      ctx.status = result.reason === 'locked' ? 429 : 401;
      if (result.retryAfterSeconds) ctx.set('Retry-After', String(result.retryAfterSeconds));
      const error = result.reason === 'locked'
        ? `Too many failed sign-in attempts. Try again in ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} minute(s).`
        : 'The workspace, email or password is not correct.';
      return renderLogin(ctx, d, { error, email, tenant });
    }
    await finish(ctx, { login: { accountId: result.user.id } }, false);
  });

  if (deps.federation) {
    const fed = deps.federation;
    // Starts a sign-in at an upstream: the button pressed (`upstream`), or routed by email domain / workspace.
    router.post('/interaction/:uid/upstream', async (ctx) => {
      const d = await details(ctx);
      if (!d) return;
      const form = await checkedForm(ctx, d);
      if (!form) return;
      if (d.prompt.name !== 'login') return ctx.redirect(`/interaction/${d.uid}`);
      const [tenant, email] = [(form.tenant ?? '').trim(), (form.email ?? '').trim()];
      try {
        const id = await fed.route({ upstream: form.upstream, tenant, email });
        await fed.start(ctx, d.uid, id, tenant || (d.params as Record<string, string | undefined>).tenant || null);
      } catch (err) {
        if (err instanceof AppError && err.code === 'upstream_not_found') {
          ctx.status = 400;
          return renderLogin(ctx, d, { error: err.message, email, tenant });
        }
        federationError(ctx, err);
      }
    });
    // The fixed redirect URI registered at every upstream (src/federation/upstreams.ts).
    router.get('/interaction/upstream/callback', async (ctx) => {
      try {
        await fed.callback(ctx);
      } catch (err) {
        federationError(ctx, err);
      }
    });
    router.get('/interaction/:uid/upstream/finish', async (ctx) => {
      const d = await details(ctx);
      if (!d) return;
      if (d.prompt.name !== 'login') return ctx.redirect(`/interaction/${d.uid}`);
      let done: ReturnType<FederatedLogin['result']>;
      try {
        done = fed.result(ctx, d.uid);
      } catch (err) {
        return federationError(ctx, err);
      }
      deps.onFederatedLogin?.({ ...done, clientId: d.params.client_id as string, ip: ctx.ip });
      await finish(ctx, { login: { accountId: done.accountId } }, false);
    });
  }

  router.post('/interaction/:uid/confirm', async (ctx) => {
    const d = await details(ctx);
    if (!d || !(await checkedForm(ctx, d))) return;
    if (d.prompt.name !== 'consent') return ctx.redirect(`/interaction/${d.uid}`);
    await grantAll(ctx, d);
  });

  // POST only, with the form's token: a plain link (or an <img>) must not cancel a sign-in.
  router.post('/interaction/:uid/abort', async (ctx) => {
    const d = await details(ctx);
    if (!d || !(await checkedForm(ctx, d))) return;
    await finish(ctx, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, false);
  });
  return router;
}
