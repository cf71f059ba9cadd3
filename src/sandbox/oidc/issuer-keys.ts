// Fetches a trusted token issuer's keys the way Identity Center does: append
// `/.well-known/openid-configuration` to the IssuerUrl, read `jwks_uri`, fetch the JWKS.
// Keys are cached; a token with an unknown `kid` triggers one refetch (key rotation),
// rate-limited so a stream of bogus kids cannot make us hammer the issuer.
import { importJWK, type JWK } from 'jose';

const TTL_MS = 60 * 60 * 1000;
const MISS_REFRESH_COOLDOWN_MS = 5_000;

export class IssuerKeyError extends Error {}

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

interface Entry {
  jwksUri: string;
  jwks: Map<string, JWK>;
  imported: Map<string, VerifyKey>;
  fetchedAt: number;
  /** When a fetch was last made for a kid missing from the cached JWKS (rate-limits refetches). */
  lastMissRefresh: number;
}

export interface IssuerKeys {
  getKey(issuerUrl: string, kid: string): Promise<VerifyKey>;
}

export function createIssuerKeys(fetchFn: typeof fetch, now: () => number): IssuerKeys {
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Entry>>();

  const load = (issuerUrl: string): Promise<Entry> => {
    let p = inflight.get(issuerUrl);
    if (!p) {
      p = fetchEntry(fetchFn, issuerUrl, now()).finally(() => inflight.delete(issuerUrl));
      inflight.set(issuerUrl, p);
    }
    return p;
  };

  return {
    async getKey(issuerUrl, kid) {
      const cached = cache.get(issuerUrl);
      const stale = !cached || now() - cached.fetchedAt > TTL_MS;
      const miss = !stale && !cached.jwks.has(kid) && now() - cached.lastMissRefresh > MISS_REFRESH_COOLDOWN_MS;
      let entry = cached;
      if (!entry || stale || miss) {
        entry = await load(issuerUrl);
        // A fetch made while this kid was wanted is its refetch: a cold or expired cache used to
        // fetch a second time right away for an unknown kid.
        if (miss || !entry.jwks.has(kid)) entry.lastMissRefresh = entry.fetchedAt;
        cache.set(issuerUrl, entry);
      }
      const jwk = entry.jwks.get(kid);
      if (!jwk) throw new IssuerKeyError(`no key with kid '${kid}' in the issuer's JWKS (${entry.jwksUri})`);
      let key = entry.imported.get(kid);
      if (!key) {
        if (jwk.kty !== 'RSA') throw new IssuerKeyError(`key '${kid}' in ${entry.jwksUri} is ${jwk.kty}, not an RSA key usable with RS256`);
        key = await importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
        entry.imported.set(kid, key);
      }
      return key;
    },
  };
}

async function fetchEntry(fetchFn: typeof fetch, issuerUrl: string, at: number): Promise<Entry> {
  const discoveryUrl = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const discovery = await getJson(fetchFn, discoveryUrl, 'OpenID configuration');
  if (discovery['issuer'] !== issuerUrl) {
    throw new IssuerKeyError(
      `the OpenID configuration at ${discoveryUrl} declares issuer '${String(discovery['issuer'])}', not the trusted token issuer's IssuerUrl '${issuerUrl}'`,
    );
  }
  const jwksUri = discovery['jwks_uri'];
  if (typeof jwksUri !== 'string') throw new IssuerKeyError(`the OpenID configuration at ${discoveryUrl} has no jwks_uri`);
  const jwks = await getJson(fetchFn, jwksUri, 'JWKS');
  const keys = Array.isArray(jwks['keys']) ? (jwks['keys'] as JWK[]) : [];
  return {
    jwksUri,
    jwks: new Map(keys.filter((k) => typeof k.kid === 'string').map((k) => [k.kid as string, k])),
    imported: new Map(),
    fetchedAt: at,
    lastMissRefresh: Number.NEGATIVE_INFINITY,
  };
}

async function getJson(fetchFn: typeof fetch, url: string, what: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new IssuerKeyError(`could not fetch the ${what} from ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new IssuerKeyError(`fetching the ${what} from ${url} returned HTTP ${res.status}`);
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object') return body as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new IssuerKeyError(`the ${what} at ${url} is not a JSON object`);
}
