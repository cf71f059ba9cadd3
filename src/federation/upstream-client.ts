// Talking to upstream OpenID Providers: discovery (openid-client, cached briefly per
// upstream version), their JWKS for the broker's token checks (jose's remote key set,
// cached and rate-limited by jose), and one classification of what can go wrong, so the
// login page and the broker give the same clear answers.
import * as oidc from 'openid-client';
import { createRemoteJWKSet } from 'jose';
import type { UpstreamRow } from '../db/upstreams.js';
import { AppError } from '../shared/errors.js';

/** Seconds a caller should wait before retrying an upstream that did not answer. */
export const UPSTREAM_RETRY_AFTER_SECONDS = 30;
const DISCOVERY_TTL_MS = 10 * 60_000;
const TIMEOUT_SECONDS = 5;

export const upstreamUnavailable = (u: Pick<UpstreamRow, 'display_name' | 'id'>, why: string) =>
  new AppError('upstream_unavailable', 503, `${u.display_name} (${u.id}) cannot be reached right now (${why}); try again in a moment.`, {
    retryAfter: UPSTREAM_RETRY_AFTER_SECONDS,
    expose: true,
  });

/** Network failures, timeouts and 5xx answers: the upstream is down, not misconfigured. */
export function isUnreachable(err: unknown): boolean {
  if ((err instanceof TypeError && err.message === 'fetch failed') || (err instanceof Error && ['TimeoutError', 'AbortError'].includes(err.name))) return true;
  if (err instanceof oidc.ClientError && err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    const status = (err.cause as Response | undefined)?.status;
    return status === undefined || status >= 500;
  }
  return false;
}

/** A trusted-issuer-only upstream has no client id; discovery needs one, though it sends no request with it. */
const clientIdOf = (u: UpstreamRow) => u.client_id ?? u.token_audience ?? 'tti-bridge';

const reason = (err: unknown) => (err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err));

export interface UpstreamClientOptions {
  /** Client secret in clear (from the envelope), when the upstream has one. */
  secret: (u: UpstreamRow) => string | undefined;
  now?: () => number;
}

export function createUpstreamClient(opts: UpstreamClientOptions) {
  const now = opts.now ?? Date.now;
  const configs = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();
  const jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  // The row's version is in the key: an update (new secret, new issuer) is used at once.
  const keyOf = (u: UpstreamRow) => `${u.id}\n${u.updated_at.getTime()}`;

  async function discover(u: UpstreamRow): Promise<oidc.Configuration> {
    const insecure = u.issuer.startsWith('http:'); // refused in production when the upstream is saved
    const secret = opts.secret(u);
    const options = { timeout: TIMEOUT_SECONDS, ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}) };
    try {
      let config = await oidc.discovery(new URL(u.issuer), clientIdOf(u), undefined, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), options);
      // client_secret_basic is the method every provider must support (RFC 6749 §2.3.1);
      // a provider that lists only client_secret_post gets that.
      const methods = config.serverMetadata().token_endpoint_auth_methods_supported;
      if (secret && methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
        config = new oidc.Configuration(config.serverMetadata(), clientIdOf(u), undefined, oidc.ClientSecretPost(secret));
        if (insecure) oidc.allowInsecureRequests(config);
      }
      config.timeout = TIMEOUT_SECONDS;
      // Verify the ID token's signature against the upstream's JWKS too, not only its claims.
      oidc.enableNonRepudiationChecks(config);
      return config;
    } catch (err) {
      if (isUnreachable(err)) throw upstreamUnavailable(u, `discovery failed: ${reason(err)}`);
      throw new AppError(
        'upstream_misconfigured',
        502,
        `${u.display_name} (${u.id}): its discovery document at ${u.issuer}/.well-known/openid-configuration is not usable (${reason(err)}); check the issuer URL.`,
        { expose: true },
      );
    }
  }

  return {
    /** The upstream's openid-client configuration; failures are not cached. */
    config(u: UpstreamRow): Promise<oidc.Configuration> {
      const key = keyOf(u);
      const hit = configs.get(key);
      if (hit && now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
      for (const k of configs.keys()) if (k.startsWith(`${u.id}\n`)) configs.delete(k);
      const config = discover(u);
      configs.set(key, { at: now(), config });
      config.catch(() => configs.delete(key));
      return config;
    },
    /** The upstream's key set (from discovery's jwks_uri), for tokens the broker receives. */
    async keys(u: UpstreamRow): Promise<ReturnType<typeof createRemoteJWKSet>> {
      const uri = (await this.config(u)).serverMetadata().jwks_uri;
      if (!uri)
        throw new AppError('upstream_misconfigured', 502, `${u.display_name} (${u.id}) publishes no jwks_uri in its discovery document.`, { expose: true });
      let set = jwks.get(uri);
      if (!set) {
        set = createRemoteJWKSet(new URL(uri), { timeoutDuration: TIMEOUT_SECONDS * 1000, cooldownDuration: 30_000, cacheMaxAge: DISCOVERY_TTL_MS });
        jwks.set(uri, set);
      }
      return set;
    },
  };
}

export type UpstreamClient = ReturnType<typeof createUpstreamClient>;
