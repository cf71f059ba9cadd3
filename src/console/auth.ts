// Sign-in for the admin console (/admin): the console is a first-party public client of our
// own provider (authorization code + PKCE + state + nonce through openid-client), and its
// session is an opaque random id in an HttpOnly cookie, the session itself server-side in
// oidc_payloads (so every instance sees it). Who is an administrator is decided on every
// request from the user's current record: a user of ADMIN_TENANT whose groups include
// `admin` (every tenant) or `admin:<tenant id>` (those tenants). Users of any other tenant
// never count, whatever their groups say (a customer's directory sync cannot grant the role).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import * as oidc from 'openid-client';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { OidcStore } from '../db/oidc-store.js';
import type { Account } from '../accounts/types.js';
import { AppError } from '../shared/errors.js';

export const CONSOLE_CLIENT_ID = 'tti-bridge-console';
const COOKIE = 'tti_console';
const MODEL = 'ConsoleSession';
/** A sign-in that is started but never finished is forgotten after this. */
const PENDING_TTL_MS = 10 * 60_000;
/** A console session ends with the ID token, and never lasts more than an hour. */
export const MAX_SESSION_MS = 3600_000;
const SCOPE = 'openid email profile tenant groups';

/** The tenants an administrator may act on: `all`, or exactly `tenants`. */
export interface AdminScope {
  all: boolean;
  tenants: string[];
}

export interface Admin {
  userId: string;
  email: string;
  name: string | null;
  scope: AdminScope;
  session: ConsoleSession;
}

export interface ConsoleSession {
  id: string;
  csrf: string;
  expiresAt: number;
  pending?: { state: string; nonce: string; verifier: string };
  userId?: string;
  /** One message shown on the next page (after a POST and its redirect). */
  flash?: string;
}

/** The admin role from a user's record, or null when the user is not an administrator. */
export function adminScopeOf(user: Pick<Account, 'tenantId' | 'groups'>, adminTenant: string): AdminScope | null {
  if (user.tenantId !== adminTenant) return null;
  if (user.groups.includes('admin')) return { all: true, tenants: [] };
  // `admin:<ADMIN_TENANT>` grants nothing: whoever manages the operators' accounts (passwords,
  // groups) can make themselves an administrator of all tenants, so that takes group `admin`.
  const tenants = user.groups
    .filter((g) => g.startsWith('admin:') && g.length > 6)
    .map((g) => g.slice(6))
    .filter((t) => t !== adminTenant);
  return tenants.length ? { all: false, tenants: [...new Set(tenants)] } : null;
}

export const allows = (scope: AdminScope, tenantId: string) => scope.all || scope.tenants.includes(tenantId);

export function requireTenant(scope: AdminScope, tenantId: string): void {
  if (!allows(scope, tenantId))
    throw new AppError(
      'tenant_not_allowed',
      403,
      `You do not administer tenant '${tenantId}'. Ask an administrator of all tenants to add the group admin:${tenantId} to your operator account.`,
    );
}

export function requireGlobal(scope: AdminScope): void {
  if (!scope.all) throw new AppError('admin_not_global', 403, 'Only administrators of all tenants (group admin) may manage clients and keys.');
}

const random = () => randomBytes(32).toString('base64url');
/** The store is keyed by a hash of the id: a read of the table does not hand out sessions. */
const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');

export interface ConsoleAuthDeps {
  issuer: string;
  adminTenant: string;
  store: OidcStore;
  findUser(id: string): Promise<Account | null>;
  /** Our published signing keys: the ID token is verified against them, not just trusted. */
  publicJwks(): Record<string, unknown>[];
  now?: () => number;
}

export function createConsoleAuth(deps: ConsoleAuthDeps) {
  const now = deps.now ?? Date.now;
  const issuerUrl = new URL(deps.issuer);
  const secure = issuerUrl.protocol === 'https:';
  // Where the server itself listens, as the connection of the current request sees it.
  // Token requests go there instead of to ISSUER's public host (hairpin: behind a proxy or
  // NAT the server often cannot reach its own public URL); canonical-host.ts sets Host.
  let selfOrigin: string | undefined;
  const hairpin: oidc.CustomFetch = (url, options) => {
    const u = new URL(url);
    const target = selfOrigin && u.origin === issuerUrl.origin ? `${selfOrigin}${u.pathname}${u.search}` : url;
    return fetch(target, options as RequestInit);
  };
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () =>
    (discovered ??= oidc
      .discovery(issuerUrl, CONSOLE_CLIENT_ID, undefined, oidc.None(), {
        [oidc.customFetch]: hairpin,
        execute: issuerUrl.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        discovered = undefined; // the next sign-in tries again
        throw new AppError(
          'signin_unavailable',
          503,
          `The console could not read this server's own discovery document (${(err as Error).message}). Check that the server reaches its listen address; then try again.`,
          { retryAfter: 5, expose: true },
        );
      }));
  /** The provider answered 503 (its database is down): the page says so, with Retry-After. */
  const unavailable = (err: unknown) => (err as { error?: unknown })?.error === 'temporarily_unavailable';

  async function save(s: ConsoleSession): Promise<void> {
    const { id, ...payload } = s;
    await deps.store.upsert(MODEL, keyOf(id), payload as unknown as Record<string, unknown>, new Date(s.expiresAt));
  }

  function setCookie(ctx: Context, s: ConsoleSession | null): void {
    if (secure) ctx.cookies.secure = true; // TLS ends at the proxy; the browser still talks https
    ctx.cookies.set(COOKIE, s?.id ?? null, {
      path: '/admin',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      overwrite: true,
      expires: s ? new Date(s.expiresAt) : undefined,
    });
  }

  async function find(ctx: Context): Promise<ConsoleSession | null> {
    const id = ctx.cookies.get(COOKIE);
    if (!id || id.length > 100) return null;
    const row = await deps.store.find(MODEL, keyOf(id));
    const s = row ? { ...(row.payload as unknown as Omit<ConsoleSession, 'id'>), id } : null;
    return s && s.expiresAt > now() ? s : null;
  }

  async function destroy(ctx: Context, s: ConsoleSession | null): Promise<void> {
    if (s) await deps.store.destroy(MODEL, keyOf(s.id));
    setCookie(ctx, null);
  }

  return {
    /** Notes the server's own address for the hairpin (every console request). */
    track(ctx: Context): void {
      const { localAddress, localPort } = ctx.req.socket;
      if (!localAddress || !localPort) return;
      const host = localAddress.startsWith('::ffff:') ? localAddress.slice(7) : localAddress;
      selfOrigin = `http://${host.includes(':') ? `[${host}]` : host}:${localPort}`;
    },

    /** GET /admin/login: a fresh pre-login session and the redirect to our authorization endpoint. */
    async start(ctx: Context): Promise<void> {
      const config = await configuration();
      const s: ConsoleSession = {
        id: random(),
        csrf: random(),
        expiresAt: now() + PENDING_TTL_MS,
        pending: { state: random(), nonce: random(), verifier: oidc.randomPKCECodeVerifier() },
      };
      await save(s);
      setCookie(ctx, s);
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${deps.issuer}/admin/callback`,
        scope: SCOPE,
        state: s.pending!.state,
        nonce: s.pending!.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(s.pending!.verifier),
        code_challenge_method: 'S256',
        tenant: deps.adminTenant, // prefills the workspace on the login page
      });
      ctx.redirect(url.href);
    },

    /** GET /admin/callback: code for tokens, the ID token verified, then the role checked. */
    async finish(ctx: Context): Promise<void> {
      const pre = await find(ctx);
      if (!pre?.pending) throw new AppError('signin_expired', 400, 'This sign-in was not started here or took too long. Open /admin to sign in again.');
      const config = await configuration();
      let claims: oidc.IDToken;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.originalUrl, deps.issuer), {
          pkceCodeVerifier: pre.pending.verifier,
          expectedState: pre.pending.state,
          expectedNonce: pre.pending.nonce,
          idTokenExpected: true,
        });
        // openid-client checks iss, aud, exp and nonce; the signature is ours to check.
        const { payload } = await jwtVerify(tokens.id_token ?? '', createLocalJWKSet({ keys: deps.publicJwks() } as JSONWebKeySet), {
          issuer: deps.issuer,
          audience: CONSOLE_CLIENT_ID,
          algorithms: ['RS256'],
        });
        claims = payload as oidc.IDToken;
      } catch (err) {
        if (unavailable(err)) throw err;
        await destroy(ctx, pre);
        if (err instanceof oidc.AuthorizationResponseError) {
          throw new AppError('signin_failed', 400, `Sign-in did not complete (${err.error}). Open /admin to try again.`);
        }
        if (err instanceof AppError) throw err;
        throw new AppError('signin_failed', 400, 'The sign-in response could not be verified. Open /admin to try again.');
      }
      await destroy(ctx, pre);
      const user = await deps.findUser(claims.sub);
      if (!user || !adminScopeOf(user, deps.adminTenant)) {
        throw new AppError(
          'not_an_admin',
          403,
          `You are signed in, but you are not a tti-bridge administrator: administrators are users of the operator tenant '${deps.adminTenant}' in group admin (or admin:<tenant id>). See docs/console.md.`,
        );
      }
      // A new id after sign-in: a session id planted before it (fixation) is worth nothing.
      const s: ConsoleSession = { id: random(), csrf: random(), userId: user.id, expiresAt: Math.min(now() + MAX_SESSION_MS, (claims.exp ?? 0) * 1000) };
      await save(s);
      setCookie(ctx, s);
      ctx.redirect('/admin/tenants');
    },

    async logout(ctx: Context): Promise<void> {
      await destroy(ctx, await find(ctx));
    },

    /**
     * Guards every console page and action: a signed-in, still-active administrator (read
     * now, so removing the group or disabling the user takes effect at once), and on POST
     * the session's CSRF token. Without a session, pages redirect to sign-in.
     */
    async requireAdmin(ctx: Context, next: Next): Promise<void> {
      const s = await find(ctx);
      if (!s?.userId) {
        if (ctx.method === 'GET' || ctx.method === 'HEAD') return ctx.redirect('/admin/login');
        throw new AppError('not_signed_in', 401, 'Your console session has ended. Open /admin to sign in again.');
      }
      const user = await deps.findUser(s.userId);
      const scope = user && adminScopeOf(user, deps.adminTenant);
      if (!user || !scope) {
        await destroy(ctx, s);
        throw new AppError('not_an_admin', 403, 'Your account is no longer a tti-bridge administrator (or is disabled).');
      }
      if (ctx.method === 'POST') {
        const form = ctx.state.form as Record<string, string> | undefined;
        const given = Buffer.from(form?._csrf ?? '');
        const expected = Buffer.from(s.csrf);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          throw new AppError('csrf_failed', 403, 'This form is out of date or was not sent from the console. Reload the page and try again.');
        }
      }
      ctx.state.admin = { userId: user.id, email: user.email, name: user.name, scope, session: s } satisfies Admin;
      await next();
    },

    /** A message for the next page; the session write happens before the redirect. */
    async flash(s: ConsoleSession, message: string): Promise<void> {
      await save({ ...s, flash: message });
    },
    async takeFlash(s: ConsoleSession): Promise<string | undefined> {
      if (!s.flash) return undefined;
      const { flash, ...rest } = s;
      await save(rest);
      return flash;
    },
  };
}

export type ConsoleAuth = ReturnType<typeof createConsoleAuth>;
