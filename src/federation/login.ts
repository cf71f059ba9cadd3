// Federated sign-in: from our login page to an upstream OpenID Provider and back.
// The upstream leg is authorization code + PKCE (S256) + state + nonce with openid-client,
// and its ID token is verified (signature against its JWKS, iss, aud, exp, nonce). The
// flow's secrets live in one short-lived cookie sealed (AES-256-GCM) under SECRET_KEY and
// bound to the interaction, so no server state is needed and no other browser can finish.
//   POST /interaction/:uid/upstream     → 303 to the upstream (cookie: uid, upstream, state, nonce, verifier)
//   GET  /interaction/upstream/callback → code exchange, ID token, user linked or provisioned
//                                          → 303 to /interaction/:uid/upstream/finish (cookie: uid, account)
//   GET  /interaction/:uid/upstream/finish → the interaction (its own cookie) finishes as that account
// The callback URL is fixed (registered once at each upstream), so the interaction id
// travels in the sealed cookie, and the last step runs where the interaction cookie is sent.
import * as oidc from 'openid-client';
import type { Context } from 'koa';
import type { UpstreamRow } from '../db/upstreams.js';
import type { Envelope } from '../idp/envelope.js';
import { AppError, type ErrorCode } from '../shared/errors.js';
import { mapClaims, type FederatedUsers } from './identity.js';
import { isUnreachable, upstreamUnavailable, type UpstreamClient } from './upstream-client.js';
import { upstreamRedirectUri, type UpstreamService } from './upstreams.js';

const COOKIE = 'tti_upstream';
const FLOW_SECONDS = 600;

interface Started {
  stage: 'started';
  uid: string;
  upstream: string;
  tenant: string | null;
  state: string;
  nonce: string;
  verifier: string;
  exp: number;
}
interface Done {
  stage: 'done';
  uid: string;
  accountId: string;
  tenantId: string;
  upstream: string;
  exp: number;
}

export interface FederatedLoginDeps {
  issuer: string;
  upstreams: Pick<UpstreamService, 'list' | 'row'>;
  client: UpstreamClient;
  users: FederatedUsers;
  envelope: Envelope;
  now?: () => number;
}

export interface LoginOption {
  id: string;
  displayName: string;
}

// Every failure here is the upstream's or the user's, explained on the page (5xx included).
const fail = (code: ErrorCode, status: number, message: string) => new AppError(code, status, message, { expose: true });

export function createFederatedLogin(deps: FederatedLoginDeps) {
  const now = deps.now ?? Date.now;
  const secure = deps.issuer.startsWith('https:');
  const redirectUri = upstreamRedirectUri(deps.issuer);

  const loginRows = async () => (await deps.upstreams.list()).filter((u) => u.enabled && u.login);

  function setCookie(ctx: Context, value: Started | Done | null): void {
    const sealed = value ? deps.envelope.seal(JSON.stringify(value), `upstream-login:${value.stage}`) : '';
    // SameSite=Lax: the upstream's redirect back is a top-level GET, which carries it.
    ctx.append('Set-Cookie', `${COOKIE}=${sealed}; Path=/interaction/; HttpOnly; SameSite=Lax; Max-Age=${value ? FLOW_SECONDS : 0}${secure ? '; Secure' : ''}`);
  }

  function readCookie<T extends Started | Done>(ctx: Context, stage: T['stage']): T | null {
    const raw = ctx.cookies.get(COOKIE);
    if (!raw) return null;
    try {
      const value = JSON.parse(deps.envelope.open(raw, `upstream-login:${stage}`)) as T;
      return value.stage === stage && value.exp > now() / 1000 ? value : null;
    } catch {
      return null; // another SECRET_KEY, another stage, tampered: the sign-in starts over
    }
  }

  const expired = () =>
    fail('upstream_flow_expired', 400, 'This sign-in took too long or was started in another window. Go back to the application and sign in again.');

  async function usable(id: string): Promise<UpstreamRow> {
    const u = await deps.upstreams.row(id);
    if (!u?.enabled || !u.client_id)
      throw fail('upstream_unknown', 400, `There is no sign-in option '${id.slice(0, 64)}'. Go back to the application and choose another way to sign in.`);
    return u;
  }

  return {
    /** "Continue with <name>" buttons: upstreams serving the tenant the application asked for (none when it named none). */
    async options(tenant: string | null): Promise<LoginOption[]> {
      if (!tenant) return [];
      return (await loginRows()).filter((u) => u.tenants.includes(tenant)).map((u) => ({ id: u.id, displayName: u.displayName }));
    },
    /** Whether the single sign-on button (routing by email domain or workspace) is shown. */
    hasAny: async () => (await loginRows()).length > 0,

    /**
     * Picks the upstream: the button pressed, else the one whose email domains include the
     * email's (within the workspace, if given), else the only one serving the workspace.
     */
    async route(input: { upstream?: string; tenant: string; email: string }): Promise<string> {
      if (input.upstream) return input.upstream;
      const rows = (await loginRows()).filter((u) => !input.tenant || u.tenants.includes(input.tenant));
      const domain = input.email.includes('@') ? input.email.split('@').pop()!.trim().toLowerCase() : '';
      const byDomain = domain ? rows.filter((u) => u.emailDomains.includes(domain)) : [];
      if (byDomain.length === 1) return byDomain[0]!.id;
      if (!byDomain.length && input.tenant && rows.length === 1) return rows[0]!.id;
      throw fail(
        'upstream_not_found',
        400,
        byDomain.length > 1 || (input.tenant && rows.length > 1)
          ? 'Several single sign-on options match; enter your workspace and work email, or use the sign-in button of your provider.'
          : 'No single sign-on is set up for this workspace or email domain. Enter your workspace and work email, or sign in with your password.',
      );
    },

    /** Redirects the browser to the upstream's authorization endpoint. */
    async start(ctx: Context, uid: string, upstreamId: string, tenant: string | null): Promise<void> {
      const u = await usable(upstreamId);
      if (tenant && !u.tenants.includes(tenant) && !u.tenant_claim) {
        throw fail('upstream_tenant_mismatch', 400, `${u.display_name} does not sign users into the workspace '${tenant}'.`);
      }
      const config = await deps.client.config(u);
      const flow: Started = {
        stage: 'started',
        uid,
        upstream: u.id,
        tenant,
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        exp: Math.floor(now() / 1000) + FLOW_SECONDS,
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: u.scopes.join(' '),
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
      });
      setCookie(ctx, flow);
      ctx.status = 303;
      ctx.redirect(url.href);
    },

    /** The upstream's redirect back: exchange, verify, link or provision; then on to finish. */
    async callback(ctx: Context): Promise<void> {
      const flow = readCookie<Started>(ctx, 'started');
      if (!flow) throw expired();
      const u = await usable(flow.upstream);
      const error = typeof ctx.query.error === 'string' ? ctx.query.error : undefined;
      if (error) {
        setCookie(ctx, null);
        const description = typeof ctx.query.error_description === 'string' ? `: ${ctx.query.error_description.slice(0, 300)}` : '';
        throw fail(
          'upstream_refused',
          401,
          `${u.display_name} did not sign you in (${error.slice(0, 64)}${description}). Go back to the application and try again.`,
        );
      }
      const config = await deps.client.config(u);
      let claims: Record<string, unknown>;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, new URL(`${redirectUri}${ctx.search}`), {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        claims = { ...tokens.claims() };
        // Providers that keep ID tokens thin (node-oidc-provider, Okta, Entra ID by default)
        // give the profile at userinfo; openid-client checks that its sub is the ID token's.
        if ((claims[u.claim_email] === undefined || claims[u.claim_email_verified] === undefined) && config.serverMetadata().userinfo_endpoint) {
          claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub))), ...claims };
        }
      } catch (err) {
        setCookie(ctx, null);
        throw explain(u, err);
      }
      const user = await deps.users.signIn(u, mapClaims(u, claims, flow.tenant));
      setCookie(ctx, {
        stage: 'done',
        uid: flow.uid,
        accountId: user.id,
        tenantId: user.tenant_id,
        upstream: u.id,
        exp: Math.floor(now() / 1000) + FLOW_SECONDS,
      });
      ctx.status = 303;
      ctx.redirect(`/interaction/${encodeURIComponent(flow.uid)}/upstream/finish`);
    },

    /** The account the upstream signed in for this interaction (once); throws when there is none. */
    result(ctx: Context, uid: string): { accountId: string; tenantId: string; upstream: string } {
      const done = readCookie<Done>(ctx, 'done');
      if (!done || done.uid !== uid) throw expired();
      setCookie(ctx, null);
      return { accountId: done.accountId, tenantId: done.tenantId, upstream: done.upstream };
    },
  };
}

/** Token-endpoint and ID-token failures, said plainly (never the tokens themselves). */
function explain(u: UpstreamRow, err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isUnreachable(err)) return upstreamUnavailable(u, 'token request failed');
  const who = `${u.display_name} (${u.id})`;
  if (err instanceof oidc.ResponseBodyError) {
    return fail(
      'upstream_token_error',
      502,
      `${who} refused to exchange the sign-in code (${err.error}${err.error_description ? `: ${err.error_description}` : ''}); check the client id and secret configured for it.`,
    );
  }
  if (err instanceof oidc.AuthorizationResponseError) return fail('upstream_refused', 401, `${who} did not sign you in (${err.error}).`);
  const detail = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
  return fail(
    'upstream_id_token_invalid',
    401,
    `${who} returned an ID token that failed verification (${detail}); its issuer, audience (client id) or signature do not match the configuration.`,
  );
}

export type FederatedLogin = ReturnType<typeof createFederatedLogin>;
