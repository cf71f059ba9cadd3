// Authorization-code tenants (authMode = authorization-code): the user signs in at the
// customer's IAM Identity Center once and consents; we keep the Identity Center refresh
// token per (tenant, user), encrypted at rest, and build identity-enhanced sessions from it.
//
//   start     the ISV backend asks for a connect URL for a user it has authenticated; we store
//             a single-use state (hashed) bound to tenant, user, service client and expiry,
//             with a PKCE verifier, and return Identity Center's /authorize URL.
//   complete  the browser comes back to /idc/callback with code and state. The state is
//             consumed (once), must be unexpired, and the browser must be signed in at this
//             provider as that same user; then AssumeRole → CreateTokenWithIAM
//             (authorization_code, code, redirectUri, codeVerifier) → AssumeRole with the
//             identity context, and the browser goes back to the ISV's return URL.
//   refresh   a search with no cached session: AssumeRole → CreateTokenWithIAM (refresh_token)
//             → AssumeRole with the identity context. No stored token, or one Identity Center
//             refuses, answers `connect_required`.
import { createHash, randomBytes } from 'node:crypto';
import type { ConnectStateTable } from '../db/idc-connect-states.js';
import type { IdcSessionTable } from '../db/idc-sessions.js';
import type { Envelope } from '../idp/envelope.js';
import { AppError, validationError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { IDC_CALLBACK_PATH } from '../tenants/validate.js';
import { inScope, type Access, type Caller, type UserRef } from './access.js';
import { isAwsCallError } from './aws-error.js';
import type { AuditTrail } from './audit.js';
import type { SessionCache } from './cache.js';
import { expiryOf, sessionName, step, type ExchangeTrace, type Session } from './exchange.js';
import { brokerErrors, failureContext as ctxOf, toAppError } from './errors.js';
import type { AwsGateway, Clock, TenantAws, UserRecord } from './ports.js';

export interface ConnectDeps {
  access: Access;
  aws: AwsGateway;
  cache: SessionCache<Session>;
  audit: AuditTrail;
  logger: Logger;
  sessions: IdcSessionTable;
  states: ConnectStateTable;
  /** Encrypts refresh tokens and PKCE verifiers at rest (the signing keys' envelope, SECRET_KEY). */
  envelope: Envelope;
  now: Clock;
  /** ISSUER: the registered redirect URI must be this origin's /idc/callback. */
  publicUrl: string;
  /** How long a connect URL can be used (seconds). */
  stateTtlSeconds: number;
  /**
   * Origins of the redirect URIs registered on web and native clients (the ISV's apps): with
   * this service's own origin, the only places a return URL may point (no open redirect).
   */
  appOrigins(): Promise<string[]>;
}

export interface ConnectStart {
  authorizeUrl: string;
  expiresAt: string;
}

/** Where the callback sends the browser, and what happened (for the ISV's page). */
export interface ConnectOutcome {
  redirect: string;
  ok: boolean;
}

const AUTH_CODE = 'authorization-code';
const hashState = (state: string) => createHash('sha256').update(state).digest('base64url');
const sessionAad = (tenantId: string, userId: string) => `idc-session:${tenantId}:${userId}`;
const verifierAad = (stateId: string) => `idc-connect:${stateId}`;

export const connectErrors = {
  notAuthCodeTenant: (id: string) =>
    new AppError('not_authorization_code_tenant', 409, `Tenant '${id}' uses a trusted token issuer: its users need no connect step. Search directly.`),
  connectRequired: (id: string, why: string) =>
    new AppError(
      'connect_required',
      409,
      `${why} Get a connect URL with POST /api/v1/tenants/${id}/connect and send the user's browser to it; they sign in at their Identity Center and consent once.`,
      { detail: { connectEndpoint: `/api/v1/tenants/${encodeURIComponent(id)}/connect` } },
    ),
  stateInvalid: () =>
    new AppError('connect_state_invalid', 400, 'This sign-in link is not valid or was already used. Go back to the application and connect again.'),
  stateExpired: () => new AppError('connect_state_expired', 400, 'This sign-in link has expired. Go back to the application and connect again.'),
  wrongUser: () =>
    new AppError(
      'connect_wrong_user',
      403,
      'This connection was started for another user, or you are not signed in here. Sign in to the application as the user who started it, then connect again.',
    ),
};

/** https, or http on a loopback host (development); absolute, no credentials or fragment. */
function checkReturnUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw validationError([{ field: 'returnUrl', message: 'must be an absolute URL' }]);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (!(u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) || u.username || u.password || u.hash) {
    throw validationError([{ field: 'returnUrl', message: 'must be an https URL (http only on localhost) without credentials or fragment' }]);
  }
  return u.toString();
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

export function createConnect(deps: ConnectDeps) {
  const { access, aws, cache, audit, logger } = deps;
  const expectedRedirect = `${new URL(deps.publicUrl).origin}${IDC_CALLBACK_PATH}`;

  function redirectUriOf(t: TenantAws): string {
    if (t.authMode !== AUTH_CODE) throw connectErrors.notAuthCodeTenant(t.id);
    // The tenant service checks the shape; only here do we know our own public origin.
    if (t.authCodeRedirectUri !== expectedRedirect) {
      throw new AppError(
        'tenant_misconfigured',
        409,
        `Tenant '${t.id}' has authCodeRedirectUri '${t.authCodeRedirectUri}', but this service receives the callback at ${expectedRedirect}. Register that URI with AWS and set it on the tenant.`,
        { expose: true },
      );
    }
    return t.authCodeRedirectUri;
  }

  async function start(caller: Caller, req: { tenantId: string; user: UserRef; returnUrl: string }): Promise<ConnectStart> {
    const started = performance.now();
    let userId: string | null = null;
    try {
      const { aws: t, user } = await access.authorize(caller, req.tenantId, req.user);
      userId = user.id;
      const redirectUri = redirectUriOf(t);
      const returnUrl = checkReturnUrl(req.returnUrl);
      const origin = new URL(returnUrl).origin;
      if (origin !== new URL(deps.publicUrl).origin && !(await deps.appOrigins()).includes(origin)) {
        throw validationError([
          {
            field: 'returnUrl',
            message: `must be on this service's origin or the origin of a redirect URI registered on a web or native client (${origin} is neither)`,
          },
        ]);
      }
      const state = randomBytes(32).toString('base64url');
      const verifier = randomBytes(32).toString('base64url');
      const id = hashState(state);
      const at = deps.now();
      const expiresAt = new Date(at + deps.stateTtlSeconds * 1000);
      await deps.states.insert(id, {
        tenantId: t.id,
        userId: user.id,
        serviceClientId: caller.clientId,
        codeVerifierEnc: deps.envelope.seal(verifier, verifierAad(id)),
        returnUrl,
        createdAt: new Date(at),
        expiresAt,
      });
      const base = t.ssoOidcEndpoint ? t.ssoOidcEndpoint.replace(/\/+$/, '') : `https://oidc.${t.idcRegion}.amazonaws.com`;
      const authorizeUrl = withParams(`${base}/authorize`, {
        response_type: 'code',
        client_id: t.idcApplicationArn,
        redirect_uri: redirectUri,
        state,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      audit.record({
        kind: 'connect_start',
        tenantId: t.id,
        userId,
        serviceClientId: caller.clientId,
        outcome: 'success',
        errorCode: null,
        awsRequestIds: [],
        latencyMs: performance.now() - started,
      });
      return { authorizeUrl, expiresAt: expiresAt.toISOString() };
    } catch (err) {
      const e = toAppError(err, { tenantId: req.tenantId }, logger);
      audit.record({
        kind: 'connect_start',
        tenantId: req.tenantId,
        userId,
        serviceClientId: caller.clientId,
        outcome: 'failure',
        errorCode: e.code,
        awsRequestIds: [],
        latencyMs: performance.now() - started,
      });
      throw e;
    }
  }

  /**
   * The callback. `browserUserId` is the account signed in at this provider in the browser
   * that arrived (its session cookie): only the user the connection was started for may
   * complete it, so a connect link sent to someone else cannot tie their Identity Center
   * identity to the sender's account. Throws (an error page) while the state is unusable;
   * afterwards every outcome goes back to the ISV's return URL.
   */
  async function complete(params: { state?: string; code?: string; error?: string }, browserUserId: string | undefined): Promise<ConnectOutcome> {
    const started = performance.now();
    if (!params.state || params.state.length > 512) throw connectErrors.stateInvalid();
    const id = hashState(params.state);
    const row = await deps.states.consume(id);
    if (!row) throw connectErrors.stateInvalid();
    const base = { kind: 'connect' as const, tenantId: row.tenantId, userId: row.userId, serviceClientId: row.serviceClientId };
    const fail = (e: AppError, trace?: ExchangeTrace) => {
      audit.record({
        ...base,
        outcome: 'failure',
        errorCode: e.code,
        awsRequestIds: trace?.requestIds ?? [],
        latencyMs: performance.now() - started,
        detail: trace ? { steps: trace.steps, grant: 'authorization_code' } : undefined,
      });
      return e;
    };
    if (row.expiresAt.getTime() <= deps.now()) throw fail(connectErrors.stateExpired());
    if (browserUserId !== row.userId) throw fail(connectErrors.wrongUser());
    const back = (ok: boolean, extra: Record<string, string> = {}) => ({
      ok,
      redirect: withParams(row.returnUrl, { idc_connect: ok ? 'ok' : 'error', ...extra }),
    });
    if (params.error || !params.code) {
      const code = params.error === 'access_denied' ? 'connect_denied' : 'connect_failed';
      fail(new AppError(code, 403, `Identity Center answered ${params.error ?? 'without a code'}.`));
      return back(false, { code });
    }
    const trace: ExchangeTrace = { steps: [], requestIds: [] };
    let tenant: TenantAws | undefined;
    let user: UserRecord | undefined;
    try {
      ({ aws: tenant, user } = await access.tenantUser(row.tenantId, row.userId));
      // The service client that asked must still exist and be allowed for the tenant: one
      // removed or narrowed since the start does not get its connection made.
      if (!inScope(await access.tenantScope({ clientId: row.serviceClientId, scopes: [] }), row.tenantId)) {
        throw brokerErrors.serviceNotAllowed(row.serviceClientId, row.tenantId);
      }
      const redirectUri = redirectUriOf(tenant);
      const verifier = deps.envelope.open(row.codeVerifierEnc, verifierAad(id));
      const t = tenant;
      const name = sessionName(row.userId);
      const first = await step(trace, 'assume_role', () => aws.assumeRole(t, { sessionName: name }));
      const idc = await step(trace, 'create_token', () =>
        aws.createTokenWithIam(t, first.credentials, { grantType: 'authorization_code', code: params.code!, redirectUri, codeVerifier: verifier }),
      );
      if (!idc.refreshToken)
        throw new AppError(
          'tenant_misconfigured',
          502,
          `Identity Center returned no refresh token for tenant '${t.id}': the data accessor's application must allow the refresh_token grant.`,
          { expose: true },
        );
      const second = await step(trace, 'assume_role_context', () => aws.assumeRole(t, { sessionName: name, identityContext: idc.identityContext }));
      if (!(await deps.sessions.connect(t.id, row.userId, deps.envelope.seal(idc.refreshToken, sessionAad(t.id, row.userId)), new Date(deps.now())))) {
        // Disabled while Identity Center answered: nothing stored, nothing cached.
        throw new AppError('connect_failed', 403, `The user or tenant '${t.id}' was disabled while connecting: nothing was stored.`);
      }
      const session: Session = { searcher: aws.searcher(t, second.credentials), expiresAt: expiryOf(second.credentials, deps.now) };
      // The new session replaces any cached one (e.g. of an earlier connection).
      cache.evict(t.id, row.userId);
      await cache.get(t.id, row.userId, async () => ({ value: session, expiresAt: session.expiresAt }));
      audit.record({
        ...base,
        outcome: 'success',
        errorCode: null,
        awsRequestIds: trace.requestIds,
        latencyMs: performance.now() - started,
        detail: { steps: trace.steps, grant: 'authorization_code' },
      });
      return back(true);
    } catch (err) {
      // A code Identity Center refuses (replayed, expired, another PKCE verifier) is this flow's
      // own failure, not an assertion or attribute-mapping problem as in the jwt-bearer grant.
      const refused =
        isAwsCallError(err) && err.failure.step === 'create_token' && /^InvalidGrant/.test(err.failure.name)
          ? new AppError('connect_code_rejected', 400, `Identity Center refused the sign-in code: ${err.failure.message} Connect again.`, {
              detail: { step: 'create_token', awsError: err.failure.name, awsRequestId: err.failure.requestId },
            })
          : err;
      const e = fail(toAppError(refused, tenant && user ? ctxOf(tenant, user) : { tenantId: row.tenantId }, logger), trace);
      if (e.status === 503) throw e; // database down: the page says retry later
      return back(false, { code: e.code });
    }
  }

  /**
   * The identity-enhanced session of a connected user, from the stored refresh token (the
   * search's exchange for authorization-code tenants). A token Identity Center no longer
   * accepts is dropped, so the next search answers connect_required at once.
   */
  async function refresh(t: TenantAws, user: UserRecord, trace: ExchangeTrace = { steps: [], requestIds: [] }): Promise<Session> {
    const stored = await deps.sessions.get(t.id, user.id);
    if (!stored) throw connectErrors.connectRequired(t.id, `The user has not connected tenant '${t.id}' (authorization-code mode) yet.`);
    let refreshToken: string;
    try {
      refreshToken = deps.envelope.open(stored.refreshTokenEnc, sessionAad(t.id, user.id));
    } catch {
      await deps.sessions.drop(t.id, user.id, stored.refreshTokenEnc);
      throw connectErrors.connectRequired(t.id, 'The stored Identity Center session cannot be read (SECRET_KEY changed?).');
    }
    trace.grant = 'refresh_token';
    const name = sessionName(user.id);
    const first = await step(trace, 'assume_role', () => aws.assumeRole(t, { sessionName: name }));
    let idc: Awaited<ReturnType<AwsGateway['createTokenWithIam']>>;
    try {
      idc = await step(trace, 'create_token', () => aws.createTokenWithIam(t, first.credentials, { grantType: 'refresh_token', refreshToken }));
    } catch (err) {
      if (isAwsCallError(err) && /^(InvalidGrant|ExpiredToken)/.test(err.failure.name)) {
        await deps.sessions.drop(t.id, user.id, stored.refreshTokenEnc);
        throw connectErrors.connectRequired(t.id, `Identity Center no longer accepts the user's session (${err.failure.name}).`);
      }
      throw err;
    }
    if (idc.refreshToken) {
      await deps.sessions.rotate(t.id, user.id, stored.refreshTokenEnc, deps.envelope.seal(idc.refreshToken, sessionAad(t.id, user.id)), new Date(deps.now()));
    }
    const second = await step(trace, 'assume_role_context', () => aws.assumeRole(t, { sessionName: name, identityContext: idc.identityContext }));
    return { searcher: aws.searcher(t, second.credentials), expiresAt: expiryOf(second.credentials, deps.now) };
  }

  return { start, complete, refresh, sweep: () => deps.states.deleteExpired(new Date(deps.now())) };
}

export type Connect = ReturnType<typeof createConnect>;
