// Signed, expiring onboarding links: the ISV sends one to a customer's administrator, who
// opens it to enter their data-accessor details (src/tenants/self-service.ts). The link is
// the credential, so it is an HMAC over (tenant, expiry) with a key derived from SECRET_KEY:
// nothing to store, and rotating SECRET_KEY invalidates every link. A link only works while
// its tenant is pending (checked where it is used), so once a tenant is connected a leaked
// link changes nothing.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../shared/errors.js';

export const LINK_DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
export const LINK_MAX_TTL_SECONDS = 30 * 24 * 3600;
const VERSION = 'v1';

export interface OnboardingLinks {
  /** A link for the tenant, valid for ttlSeconds (default 7 days, at most 30). */
  issue(tenantId: string, ttlSeconds?: number): { url: string; expiresAt: string };
  /** The tenant the link was made for; throws 404 link_invalid or 410 link_expired. */
  verify(token: string): { tenantId: string; expiresAt: Date };
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function createOnboardingLinks(opts: { secretKey: string; issuer: string; now?: () => number }): OnboardingLinks {
  const now = opts.now ?? Date.now;
  // A key of its own: a link's MAC can never be mistaken for any other use of SECRET_KEY.
  const key = Buffer.from(hkdfSync('sha256', opts.secretKey, 'tti-bridge', 'onboarding link v1', 32));
  const mac = (payload: string) => createHmac('sha256', key).update(`${VERSION}.${payload}`).digest();
  const invalid = () => new AppError('link_invalid', 404, 'This onboarding link is not valid. Ask your provider for a new link.');

  return {
    issue(tenantId, ttlSeconds = LINK_DEFAULT_TTL_SECONDS) {
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > LINK_MAX_TTL_SECONDS) {
        throw new AppError('validation_failed', 400, `The link lifetime must be a whole number of seconds from 60 to ${LINK_MAX_TTL_SECONDS} (30 days).`);
      }
      const exp = Math.floor(now() / 1000) + ttlSeconds;
      // The nonce makes every link distinct, so two links for one tenant never look alike.
      const payload = b64(JSON.stringify({ t: tenantId, exp, n: b64(randomBytes(9)) }));
      const token = `${VERSION}.${payload}.${b64(mac(payload))}`;
      // In the query string, not the path: the access log never records query strings.
      return { url: `${opts.issuer}/onboard?link=${token}`, expiresAt: new Date(exp * 1000).toISOString() };
    },
    verify(token) {
      const [version, payload, sig, ...rest] = typeof token === 'string' && token.length < 2048 ? token.split('.') : [];
      if (version !== VERSION || !payload || !sig || rest.length) throw invalid();
      const expected = mac(payload);
      const given = Buffer.from(sig, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      // Node's decoder skips characters outside the alphabet and ignores the last character's
      // spare bits: only the canonical spelling is the link (one link, one string).
      if (b64(given) !== sig) throw invalid();
      let claims: { t?: unknown; exp?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (typeof claims.t !== 'string' || typeof claims.exp !== 'number') throw invalid();
      if (claims.exp * 1000 <= now()) {
        throw new AppError('link_expired', 410, 'This onboarding link has expired. Ask your provider for a new link.');
      }
      return { tenantId: claims.t, expiresAt: new Date(claims.exp * 1000) };
    },
  };
}
