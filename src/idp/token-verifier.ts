// Verifies tokens our own provider issued, against our own published keys (no HTTP
// round trip): broker API service tokens (client-credentials JWT access tokens for the
// broker audience) and user tokens (ID tokens, or JWT access tokens issued to a user).
// A bad user token has its own code (invalid_user_token), so the calling service can tell
// "re-authenticate the user" from "get a new service token" (invalid_token); an expired
// token of either kind is token_expired. Both kinds must carry exp and iat, live no longer
// than the provider issues them, and not be revoked (jti on the shared denylist).
import { createLocalJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { AppError, type ErrorCode } from '../shared/errors.js';
import type { ProviderHolder } from './provider-holder.js';

type TokenCode = Extract<ErrorCode, 'invalid_token' | 'invalid_user_token'>;
const invalid = (message: string, code: ErrorCode = 'invalid_token') => new AppError(code, 401, message);

/** Verified tokens remembered per kind (service, user); the least recently used goes first. */
const VERIFIED_CACHE_MAX = 10_000;

interface Verified {
  payload: JWTPayload;
  /** Key set the signature was checked against; any key change (rotation, retirement) forgets the entry. */
  fingerprint: string;
  /** App-clock time of the check: a clock moved back before it re-verifies (nbf/iat stay exact). */
  verifiedAt: number;
  /** exp in epoch ms: the entry is never used at or after it (jose's 5 s tolerance then applies as before). */
  expiresAt: number;
}

export interface TokenVerifierOptions {
  issuer: string;
  brokerAudience: string;
  holder: Pick<ProviderHolder, 'keys'>;
  now: () => number;
  /**
   * Longest lifetime (exp - iat, seconds) a token of each kind may have: the provider never
   * issues longer ones, so a longer one is forged or from a changed configuration. Default 1 h.
   */
  maxLifetimeSeconds?: { service: number; user: number };
  /** The shared denylist of revoked tokens (by jti), consulted on every use, cache hits included. */
  isRevoked?: (jti: string) => Promise<boolean>;
}

const DEFAULT_MAX_LIFETIME = 3600;

export function createTokenVerifier(opts: TokenVerifierOptions) {
  const maxLifetime = opts.maxLifetimeSeconds ?? { service: DEFAULT_MAX_LIFETIME, user: DEFAULT_MAX_LIFETIME };
  // Performance: a broker search carries two RS256 JWTs (service bearer + user token), and
  // callers reuse them for minutes. Verifying both on every request cost two RSA checks on
  // the crypto thread pool per search. A successful verification is remembered, keyed by
  // the exact token string, only while the token is unexpired and the key set unchanged;
  // failures are never remembered, so every refusal is computed afresh.
  const verified = { service: new Map<string, Verified>(), user: new Map<string, Verified>() };
  let cached: { fingerprint: string; jwks: ReturnType<typeof createLocalJWKSet> } | undefined;
  const jwks = () => {
    const keys = opts.holder.keys();
    if (cached?.fingerprint !== keys.fingerprint) {
      cached = { fingerprint: keys.fingerprint, jwks: createLocalJWKSet({ keys: keys.publicJwks as never }) };
    }
    return cached.jwks;
  };

  async function verify(token: string, kind: 'service' | 'user', what: string, code: TokenCode): Promise<JWTPayload> {
    const payload = await verifySignatureAndClaims(token, kind, what, code);
    if (typeof payload.jti === 'string' && opts.isRevoked && (await opts.isRevoked(payload.jti))) throw invalid(`${what} has been revoked`, code);
    return payload;
  }

  async function verifySignatureAndClaims(token: string, kind: 'service' | 'user', what: string, code: TokenCode): Promise<JWTPayload> {
    const memo = verified[kind];
    const audience = kind === 'service' ? opts.brokerAudience : undefined;
    if (typeof token !== 'string' || token.split('.').length !== 3) throw invalid(`${what} is not a JWT issued by this provider`, code);
    const now = opts.now();
    const fingerprint = opts.holder.keys().fingerprint;
    const hit = memo.get(token);
    if (hit) {
      memo.delete(token);
      if (hit.fingerprint === fingerprint && now >= hit.verifiedAt && now < hit.expiresAt) {
        memo.set(token, hit); // re-insert: Map order is the LRU order
        return hit.payload;
      }
    }
    try {
      const { payload: claims } = await jwtVerify(token, jwks(), {
        issuer: opts.issuer,
        audience,
        algorithms: ['RS256'],
        currentDate: new Date(now),
        clockTolerance: 5,
        requiredClaims: kind === 'service' ? ['exp', 'iat', 'jti'] : ['exp', 'iat'],
      });
      const payload = claims as JWTPayload & { exp: number; iat: number }; // required above
      checkLifetime(payload, maxLifetime[kind], now, what, code);
      if (payload.exp * 1000 > now) {
        // not within the tolerance after exp
        memo.set(token, { payload: Object.freeze(payload), fingerprint, verifiedAt: now, expiresAt: payload.exp * 1000 });
        if (memo.size > VERIFIED_CACHE_MAX) memo.delete(memo.keys().next().value as string);
      }
      return payload;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWTExpired)
        throw invalid(`${what} has expired; get a new one`, code === 'invalid_user_token' ? 'user_token_expired' : 'token_expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw invalid(`${what} was not issued for this use (${err.claim} check failed)`, code);
      throw invalid(`${what} could not be verified (bad signature, unknown key or not from ${opts.issuer})`, code);
    }
  }

  return {
    /**
     * `deferRevocation`: skip the denylist here; the caller must check isRevoked(tokenId)
     * itself (the broker's search does, inside its audited use case).
     */
    async verifyServiceToken(token: string, options: { deferRevocation?: boolean } = {}): Promise<{ clientId: string; scopes: string[]; tokenId?: string }> {
      const what = 'The access token';
      const p = options.deferRevocation
        ? await verifySignatureAndClaims(token, 'service', what, 'invalid_token')
        : await verify(token, 'service', what, 'invalid_token');
      if (typeof p.client_id !== 'string') throw invalid('The access token has no client_id');
      if (p.sub && p.sub !== p.client_id) throw invalid('The access token belongs to a user; use a client-credentials token');
      const caller = { clientId: p.client_id, scopes: typeof p.scope === 'string' ? p.scope.split(' ') : [] };
      // tokenId marks a revocation check still to do (Caller.tokenId in src/broker/access.ts).
      return options.deferRevocation && p.jti ? { ...caller, tokenId: p.jti } : caller;
    },
    /** Whether a token id is on the shared denylist (revoked at /token/revocation). */
    async isRevoked(tokenId: string): Promise<boolean> {
      return opts.isRevoked ? opts.isRevoked(tokenId) : false;
    },
    async verifyUserToken(token: string): Promise<{ sub: string; tenantId?: string; clientId?: string }> {
      const p = await verify(token, 'user', 'The user token', 'invalid_user_token');
      if (!p.sub || (typeof p.client_id === 'string' && p.sub === p.client_id)) throw invalid('The user token does not identify a user', 'invalid_user_token');
      const clientId = typeof p.client_id === 'string' ? p.client_id : typeof p.aud === 'string' ? p.aud : undefined;
      return { sub: p.sub, tenantId: typeof p.tenant_id === 'string' ? p.tenant_id : undefined, clientId };
    },
  };
}

/** A token must not claim to be issued in the future, nor to live longer than the provider ever issues. */
function checkLifetime(p: { exp: number; iat: number }, maxSeconds: number, now: number, what: string, code: TokenCode): void {
  if (p.iat * 1000 > now + 5_000) throw invalid(`${what} was not issued for this use (iat check failed: issued in the future)`, code);
  if (p.exp - p.iat > maxSeconds) throw invalid(`${what} was not issued for this use (exp check failed: lifetime over ${maxSeconds} s)`, code);
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
