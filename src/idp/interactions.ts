// Login, consent and abort pages for node-oidc-provider's interactions. Mounted before
// the provider. Every failure the user can cause renders a page with a clear message.
// After a correct password the tenant's MFA policy may ask for an authenticator code (or
// enrolment); the login result's `amr` says what was used (["pwd"] or ["pwd","otp"]).
import Router from '@koa/router';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { errors } from 'oidc-provider';
import type { ProviderHolder } from './provider-holder.js';
import type { Views } from '../http/views.js';
import { readForm } from '../http/form.js';
import type { Account, AuthResult } from '../accounts/types.js';
import type { CodeResult, MfaService, MfaStep } from '../accounts/mfa.js';
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
  /** The second step after the password; `account` finds the user the first step signed in. */
  mfa: Pick<MfaService, 'nextStep' | 'enrolment' | 'confirmEnrolment' | 'verify'> & {
    account(id: string): Promise<Account | null>;
    /** Shown as the account's heading in authenticator apps. */
    issuerName(user: Account): Promise<string>;
  };
  now?: () => number;
}

/** How long the second step may take after the password was accepted. */
const PENDING_TTL_MS = 10 * 60_000;

/**
 * "Password accepted for user U in interaction I" (stage `pwd`), or after enrolment "and a
 * first code too" (stage `otp`): carried by the second-step forms, HMAC-signed and bound to
 * the interaction, so it cannot be forged, moved to another sign-in, or kept past its expiry.
 */
interface Pending {
  uid: string;
  sub: string;
  stage: 'pwd' | 'otp';
  exp: number;
}

export function signPending(secret: string, p: Pending): string {
  const body = Buffer.from(JSON.stringify(p)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(`mfa-pending:${body}`).digest('base64url')}`;
}

function readPending(secret: string, token: string | undefined, uid: string, nowMs: number): Pending | null {
  const [body, mac] = (token ?? '').split('.');
  if (!body || !mac) return null;
  const expected = Buffer.from(createHmac('sha256', secret).update(`mfa-pending:${body}`).digest('base64url'));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Pending;
    return p.uid === uid && p.exp > nowMs ? p : null;
  } catch {
    return null;
  }
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
      views.render(ctx, 'error', {
        error: 'Sign-in expired',
        description: 'This sign-in page has expired or was already used. Go back to the application and sign in again.',
        status: 400,
      });
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
    holder
      .current()
      .interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge })
      .then(() => {
        ctx.respond = false;
      });

  async function renderLogin(ctx: Context, d: Details, extra: { error?: string; email?: string; tenant?: string }) {
    const params = d.params as Record<string, string | undefined>;
    const fed = deps.federation;
    views.render(ctx, 'login', {
      uid: d.uid,
      csrf: csrf(d.uid),
      client: await deps.clientName(d.params.client_id as string),
      error: extra.error,
      email: extra.email ?? params.login_hint ?? '',
      tenant: extra.tenant ?? params.tenant ?? '',
      // Buttons only for the workspace the application named: the page never lists other customers' providers.
      upstreams: fed ? await fed.options(params.tenant ?? null) : [],
      sso: fed ? await fed.hasAny() : false,
    });
  }

  /** A federated sign-in failure as a page: what went wrong and what to do (503 + Retry-After when the upstream is down). */
  function federationError(ctx: Context, err: unknown): void {
    if (
      !(err instanceof AppError) ||
      (err.status >= 500 && err.code !== 'upstream_unavailable' && err.code !== 'upstream_misconfigured' && err.code !== 'upstream_token_error')
    )
      throw err;
    ctx.status = err.status;
    if (err.options.retryAfter) ctx.set('Retry-After', String(err.options.retryAfter));
    views.render(ctx, 'error', { error: FEDERATION_TITLES[err.code] ?? 'Sign-in failed', description: err.message, status: err.status });
  }

  const now = deps.now ?? Date.now;
  const pending = (uid: string, user: Account, stage: Pending['stage']) =>
    signPending(deps.csrfSecret, { uid, sub: user.id, stage, exp: now() + PENDING_TTL_MS });

  const attemptOf = (ctx: Context, d: Details, user: Account) => ({
    tenantId: user.tenantId,
    email: user.email,
    clientId: d.params.client_id as string,
    ip: ctx.ip,
  });

  /** Logged once the whole sign-in succeeded (a correct password before a second step is not a sign-in). */
  async function signedIn(ctx: Context, d: Details, user: Account, amr: string[]): Promise<void> {
    deps.onLogin?.({ ...attemptOf(ctx, d, user), result: { ok: true, user }, amr });
    await finish(ctx, { login: { accountId: user.id, amr } }, false);
  }

  async function renderSecondStep(ctx: Context, d: Details, user: Account, step: Exclude<MfaStep, 'none'> | 'none', token: string, error?: string) {
    if (step === 'none') return signedIn(ctx, d, user, ['pwd']);
    const common = { uid: d.uid, csrf: csrf(d.uid), pending: token, error, email: user.email };
    if (step === 'verify') return views.render(ctx, 'mfa', common);
    const enrolment = await deps.mfa.enrolment(user, await deps.mfa.issuerName(user));
    views.render(ctx, 'mfa-enrol', {
      ...common,
      qr: enrolment.qrDataUri,
      optional: step === 'offer',
      // Groups of four, as authenticator apps show them, for typing in by hand.
      secret: enrolment.secret.replace(/(.{4})/g, '$1 ').trim(),
    });
  }

  async function codeRefused(
    ctx: Context,
    d: Details,
    user: Account,
    step: Exclude<MfaStep, 'none'>,
    token: string,
    result: Extract<CodeResult, { ok: false }>,
  ) {
    deps.onLogin?.({
      ...attemptOf(ctx, d, user),
      result: {
        ok: false,
        reason: result.reason === 'locked' ? 'locked' : 'invalid_credentials',
        cause: result.reason === 'locked' ? 'locked' : 'wrong_code',
        userId: user.id,
      },
    });
    ctx.status = result.reason === 'locked' ? 429 : 401;
    if (result.retryAfterSeconds) ctx.set('Retry-After', String(result.retryAfterSeconds));
    const error =
      result.reason === 'locked'
        ? `Too many wrong codes. Try again in ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} minute(s).`
        : 'That code is not correct or was already used. Enter the current code from your authenticator app, or a recovery code.';
    await renderSecondStep(ctx, d, user, step, token, error);
  }

  async function grantAll(ctx: Context, d: Details): Promise<void> {
    const provider = holder.current();
    const grant = d.grantId
      ? await provider.Grant.find(d.grantId)
      : new provider.Grant({ accountId: d.session!.accountId, clientId: d.params.client_id as string });
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
    views.render(ctx, 'consent', {
      uid: d.uid,
      csrf: csrf(d.uid),
      client: await deps.clientName(d.params.client_id as string),
      scopes: missing.map((s) => ({ name: s, text: SCOPE_TEXT[s] ?? s })),
    });
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
    if (!result.ok) {
      deps.onLogin?.({ ...attempt, result });
      ctx.status = result.reason === 'locked' ? 429 : 401;
      if (result.retryAfterSeconds) ctx.set('Retry-After', String(result.retryAfterSeconds));
      const error =
        result.reason === 'locked'
          ? `Too many failed sign-in attempts. Try again in ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} minute(s).`
          : 'The workspace, email or password is not correct.';
      return renderLogin(ctx, d, { error, email, tenant });
    }
    const step = await deps.mfa.nextStep(result.user);
    if (step === 'none') return signedIn(ctx, d, result.user, ['pwd']);
    await renderSecondStep(ctx, d, result.user, step, pending(d.uid, result.user, 'pwd'));
  });

  /** The forms of the second step: the posted form and the user the password step signed in, or null (page rendered). */
  async function secondStepForm(ctx: Context, d: Details, stage: Pending['stage']) {
    const form = await checkedForm(ctx, d);
    if (!form) return null;
    if (d.prompt.name !== 'login') {
      ctx.redirect(`/interaction/${d.uid}`);
      return null;
    }
    const p = readPending(deps.csrfSecret, form.pending, d.uid, now());
    const user = p && p.stage === stage ? await deps.mfa.account(p.sub) : null;
    if (!user) {
      ctx.status = 400;
      await renderLogin(ctx, d, { error: 'Your sign-in took too long or the user is no longer active. Sign in again.' });
      return null;
    }
    return { form, user, token: form.pending! };
  }

  router.post('/interaction/:uid/mfa', async (ctx) => {
    const d = await details(ctx);
    const s = d && (await secondStepForm(ctx, d, 'pwd'));
    if (!s) return;
    // The policy or the enrolment may have changed since the password step (an admin reset).
    const step = await deps.mfa.nextStep(s.user);
    if (step === 'none') return signedIn(ctx, d, s.user, ['pwd']);
    if (step !== 'verify') return renderSecondStep(ctx, d, s.user, step, s.token);
    const result = await deps.mfa.verify(s.user, s.form.code ?? '', ctx.ip);
    if (!result.ok) return codeRefused(ctx, d, s.user, 'verify', s.token, result);
    await signedIn(ctx, d, s.user, result.method === 'otp' ? ['pwd', 'otp'] : ['pwd', 'mfa']);
  });

  router.post('/interaction/:uid/mfa/enrol', async (ctx) => {
    const d = await details(ctx);
    const s = d && (await secondStepForm(ctx, d, 'pwd'));
    if (!s) return;
    const step = await deps.mfa.nextStep(s.user);
    if (step !== 'enrol' && step !== 'offer') return renderSecondStep(ctx, d, s.user, step, s.token);
    const result = await deps.mfa.confirmEnrolment(s.user, s.form.code ?? '', ctx.ip);
    if (!result.ok || !result.recoveryCodes) return codeRefused(ctx, d, s.user, step, s.token, result.ok ? { ok: false, reason: 'invalid_code' } : result);
    views.render(ctx, 'mfa-recovery', { uid: d.uid, csrf: csrf(d.uid), pending: pending(d.uid, s.user, 'otp'), codes: result.recoveryCodes });
  });

  // After the recovery codes were shown: enrolment proved a code, so the sign-in counts as two-step.
  router.post('/interaction/:uid/mfa/done', async (ctx) => {
    const d = await details(ctx);
    const s = d && (await secondStepForm(ctx, d, 'otp'));
    if (!s) return;
    await signedIn(ctx, d, s.user, ['pwd', 'otp']);
  });

  router.post('/interaction/:uid/mfa/skip', async (ctx) => {
    const d = await details(ctx);
    const s = d && (await secondStepForm(ctx, d, 'pwd'));
    if (!s) return;
    const step = await deps.mfa.nextStep(s.user);
    if (step !== 'offer' && step !== 'none') return renderSecondStep(ctx, d, s.user, step, s.token);
    await signedIn(ctx, d, s.user, ['pwd']);
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
