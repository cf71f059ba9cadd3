// Revocation of our JWT access tokens (broker API service tokens, RFC 7009).
//
// node-oidc-provider does not store structured (JWT) access tokens, so its revocation
// endpoint refuses them (unsupported_token_type). We keep a denylist instead: the token's
// `jti` until its `exp`, as rows of model RevokedAccessToken in oidc_payloads (expires_at =
// exp, so the hourly expired-record sweep removes them). Every instance's token verifier
// consults a snapshot of the list that is at most REFRESH_MS old, so a revoked token stops
// working everywhere within about a second, at the cost of one small query per second per
// instance (the list holds only revoked, unexpired tokens).
import type { Middleware } from 'koa';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Pool } from '../db/database.js';

const MODEL = 'RevokedAccessToken';
/** Longest time a revocation made elsewhere may go unnoticed. */
const REFRESH_MS = 1000;

export interface RevocationList {
  /** Adds a token (its jti) until it expires. */
  revoke(jti: string, clientId: string, expiresAt: Date): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
}

export function createRevocationList(sql: Pool): RevocationList {
  // Real time, not the app clock: this only bounds staleness across instances.
  let snapshot: { at: number; jtis: Set<string> } | undefined;
  let loading: Promise<Set<string>> | undefined;

  function reload(): Promise<Set<string>> {
    loading ??= (async () => {
      const at = Date.now();
      try {
        const { rows } = await sql.query<{ id: string }>('SELECT id FROM oidc_payloads WHERE model = $1 AND expires_at > now()', [MODEL]);
        const jtis = new Set(rows.map((r) => r.id));
        snapshot = { at, jtis };
        return jtis;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  return {
    async revoke(jti, clientId, expiresAt) {
      await sql.query(`INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (model, id) DO NOTHING`, [
        MODEL,
        jti,
        JSON.stringify({ clientId }),
        expiresAt,
      ]);
      snapshot?.jtis.add(jti); // this instance refuses it at once
    },
    async isRevoked(jti) {
      const age = snapshot ? Date.now() - snapshot.at : Infinity;
      // Past the window: wait for a fresh list (fail closed if the database is down).
      // Past half of it: answer from the current one and refresh in the background.
      if (age >= REFRESH_MS) return (await reload()).has(jti);
      if (age >= REFRESH_MS / 2) reload().catch(() => {});
      return snapshot!.jtis.has(jti);
    },
  };
}

/**
 * Provider middleware: completes the revocation endpoint for our JWT access tokens. The
 * provider has authenticated the client by the time it refuses a structured token; we then
 * verify the token (our keys, issuer, broker audience), let a client revoke only its own
 * tokens, denylist it, and answer 200 as RFC 7009 says (also for tokens that are invalid
 * or already expired, which need no revoking).
 */
export function revokeJwtAccessTokens(
  provider: Provider,
  opts: { issuer: string; audience: string; publicJwks: unknown[]; revocations: RevocationList },
): Middleware {
  const structured = new WeakSet<object>();
  provider.on('revocation.error', (ctx, err) => {
    if (err instanceof errors.UnsupportedTokenType) structured.add(ctx);
  });
  const jwks = createLocalJWKSet({ keys: opts.publicJwks as never });

  return async function jwtRevocation(ctx, next) {
    await next();
    if (!structured.has(ctx)) return;
    const client = ctx.oidc?.client;
    const token = ctx.oidc?.params?.token;
    if (!client || typeof token !== 'string' || !isJwt(token)) return;
    let claims: JWTPayload | undefined;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks, {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: ['RS256'],
        requiredClaims: ['jti', 'exp'],
      }));
    } catch {
      claims = undefined; // not ours, or expired: nothing to revoke
    }
    if (claims && claims.client_id !== client.clientId) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'client is not authorized to revoke the presented token' };
      return;
    }
    if (claims) {
      try {
        await opts.revocations.revoke(claims.jti!, client.clientId, new Date(claims.exp! * 1000));
      } catch {
        // Not revoked: say so (the client retries), never 200.
        ctx.status = 503;
        ctx.body = { error: 'temporarily_unavailable', error_description: 'the token could not be revoked now; retry' };
        return;
      }
    }
    ctx.status = 200;
    ctx.body = '';
  };
}

function isJwt(token: string): boolean {
  try {
    return Boolean(decodeProtectedHeader(token));
  } catch {
    return false;
  }
}
