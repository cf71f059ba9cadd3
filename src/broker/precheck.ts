// The setup check's local pre-checks: before any AWS call, what Identity Center will do
// with our side, done from here. It fetches ${ISSUER}/.well-known/openid-configuration
// (https, port 443 in production; `issuer` exact), reads the JWKS at its jwks_uri, and
// verifies a freshly minted assertion against that JWKS exactly as Identity Center would
// (RS256, kid, iss, aud, exp, jti, the mapped email claim). The assertion is never sent.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import type { SetupCheckCode } from '../shared/error-codes.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { claimsOf } from './exchange.js';
import type { AssertionMinter, UserRecord } from './ports.js';

export interface PrecheckStep {
  step: 'discovery' | 'signing_key' | 'assertion';
  ok: boolean;
  latencyMs?: number;
  error?: { code: SetupCheckCode; message: string; hint: string };
}

export interface PrecheckDeps {
  issuer: string;
  /** Production: discovery and JWKS must be https on port 443 (all Identity Center fetches). */
  production: boolean;
  minter: AssertionMinter;
  audience: () => Promise<string>;
  assertionTtlSeconds: number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Largest discovery document or JWKS read (bytes); default 256 KiB. */
  maxBytes?: number;
}

/** A failed pre-check: what is wrong and how to fix it. */
class Failed extends Error {
  constructor(
    readonly code: SetupCheckCode,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const HTTPS_HINT = 'Serve tti-bridge at a public https ISSUER on port 443: Identity Center fetches the discovery document and JWKS only over https on 443.';

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/** The body as text, or undefined when it is larger than `limit` bytes (reading stops there). */
async function readLimited(res: Response, limit: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > limit) {
    await res.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > limit) return undefined; // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createPrechecks(deps: PrecheckDeps) {
  const fetchImpl = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 5000;
  const maxBytes = deps.maxBytes ?? 256 * 1024;
  const issuerOrigin = new URL(deps.issuer).origin;

  /** In production, a URL Identity Center can fetch: https on the default port. */
  function fetchable(url: string, code: SetupCheckCode, what: string): void {
    if (!deps.production) return;
    const u = new URL(url);
    if (u.protocol !== 'https:' || (u.port !== '' && u.port !== '443')) {
      throw new Failed(code, `${what} ${url} is not https on port 443.`, HTTPS_HINT);
    }
  }

  async function getJson(url: string, code: SetupCheckCode, what: string, hint: string): Promise<unknown> {
    let res: Response;
    // One timeout for the whole exchange (headers and body); redirects are not followed
    // (Identity Center must reach these URLs directly, and a redirect could point anywhere).
    const signal = AbortSignal.timeout(timeoutMs);
    const failed = (err: unknown) => {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return new Failed(code, `Could not fetch ${what.replace(/^The /, 'the ')} at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}.`, hint);
    };
    try {
      res = await fetchImpl(url, { headers: { accept: 'application/json' }, signal, redirect: 'manual' });
    } catch (err) {
      throw failed(err);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      const redirected = res.status >= 300 && res.status < 400 ? ' (a redirect; it must be served at this URL itself)' : '';
      throw new Failed(code, `${what} at ${url} answered HTTP ${res.status}${redirected}, not 200.`, hint);
    }
    const text = await readLimited(res, maxBytes).catch((err: unknown) => {
      throw err instanceof Failed ? err : failed(err);
    });
    if (text === undefined) throw new Failed(code, `${what} at ${url} is larger than ${maxBytes} bytes.`, hint);
    try {
      return JSON.parse(text);
    } catch {
      throw new Failed(code, `${what} at ${url} is not JSON.`, hint);
    }
  }

  async function discovery(): Promise<string> {
    const url = `${deps.issuer}/.well-known/openid-configuration`;
    const reach = `Make sure ISSUER (${deps.issuer}) is this service's public URL and that ${url} is reachable from the internet (proxy, DNS, TLS certificate).`;
    fetchable(url, 'discovery_invalid', 'The discovery document');
    const doc = (await getJson(url, 'discovery_invalid', 'The discovery document', reach)) as Record<string, unknown> | null;
    if (doc?.issuer !== deps.issuer) {
      throw new Failed(
        'discovery_invalid',
        `The discovery document at ${url} says issuer ${JSON.stringify(doc?.issuer)}, not ${JSON.stringify(deps.issuer)}; Identity Center requires them equal, character for character.`,
        `Set ISSUER to exactly the URL this service is reached at (no trailing slash), and make sure ${url} is served by this service, not something else at that host.`,
      );
    }
    if (typeof doc.jwks_uri !== 'string') throw new Failed('discovery_invalid', `The discovery document at ${url} has no jwks_uri.`, reach);
    // This service publishes its JWKS under ISSUER; a jwks_uri elsewhere means the document is
    // not ours, and following it would let that document make this server fetch any URL.
    if (originOf(doc.jwks_uri) !== issuerOrigin) {
      throw new Failed(
        'discovery_invalid',
        `The discovery document at ${url} names a jwks_uri outside ${issuerOrigin}; this service publishes its keys under ISSUER.`,
        reach,
      );
    }
    return doc.jwks_uri;
  }

  async function signingKey(jwksUri: string, kid: string): Promise<JSONWebKeySet> {
    const hint = `Make sure ${jwksUri} is reachable from the internet and served by this service; after \`tti-bridge keys rotate\`, every instance must share this database.`;
    fetchable(jwksUri, 'signing_key_missing', 'The JWKS');
    const jwks = (await getJson(jwksUri, 'signing_key_missing', 'The JWKS', hint)) as JSONWebKeySet | null;
    if (!Array.isArray(jwks?.keys)) throw new Failed('signing_key_missing', `The JWKS at ${jwksUri} has no keys array.`, hint);
    if (!jwks.keys.some((k) => k.kid === kid)) {
      throw new Failed(
        'signing_key_missing',
        `The key that signs assertions (kid '${kid}') is not in the JWKS at ${jwksUri} (it has ${jwks.keys.map((k) => `'${k.kid}'`).join(', ') || 'no keys'}); Identity Center would refuse every assertion.`,
        hint,
      );
    }
    return jwks;
  }

  async function verify(token: string, jwks: JSONWebKeySet, audience: string, user: UserRecord): Promise<void> {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: deps.issuer,
        audience,
        algorithms: ['RS256'],
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti', 'email'],
      });
      if (payload.email !== user.email) throw new Error(`email claim '${String(payload.email)}' is not the user's '${user.email}'`);
    } catch (err) {
      throw new Failed(
        'assertion_invalid',
        `A freshly minted assertion for ${user.email} does not verify against the published JWKS: ${(err as Error).message}.`,
        'This is a fault of this service (keys or clock); check the logs and `tti-bridge keys list`.',
      );
    }
  }

  /** A fresh assertion for the user, as the exchange would send it (database outages propagate: 503). */
  async function mint(user: UserRecord): Promise<{ token: string; kid: string; audience: string }> {
    // Failure texts are ours, never the error's own (this report also reaches the self-service page).
    const audience = await deps.audience().catch((err: unknown) => {
      if (isDatabaseUnavailable(err)) throw err;
      throw new Failed(
        'assertion_invalid',
        'No OIDC client is registered as the data accessor client, so an assertion has no audience.',
        'Register it: `tti-bridge clients add --kind data-accessor --name "Amazon Q data accessor"`, with the client ID you gave AWS.',
      );
    });
    try {
      const token = await deps.minter.mint(claimsOf(user), audience, deps.assertionTtlSeconds);
      return { token, kid: String(decodeProtectedHeader(token).kid), audience };
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      throw new Failed(
        'assertion_invalid',
        `Could not sign an assertion for ${user.email} with the current key.`,
        'A fault of this service: check its logs and `tti-bridge keys list`.',
      );
    }
  }

  /** Runs the pre-checks in order, up to the first failure; every step says pass or fail. */
  return async function precheck(user: UserRecord): Promise<PrecheckStep[]> {
    const steps: PrecheckStep[] = [];
    const run = async <T>(step: PrecheckStep['step'], fn: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
      try {
        const out = await fn();
        steps.push({ step, ok: true, latencyMs: latencyMs() });
        return out;
      } catch (err) {
        if (!(err instanceof Failed)) throw err;
        steps.push({ step, ok: false, latencyMs: latencyMs(), error: { code: err.code, message: err.message, hint: err.hint } });
        throw err;
      }
    };
    try {
      const jwksUri = await run('discovery', discovery);
      // Minting is part of the `assertion` step; it comes first because its kid is checked next.
      const minted = await mint(user).catch((err: unknown) => {
        if (err instanceof Failed) steps.push({ step: 'assertion', ok: false, error: { code: err.code, message: err.message, hint: err.hint } });
        throw err;
      });
      const jwks = await run('signing_key', () => signingKey(jwksUri, minted.kid));
      await run('assertion', () => verify(minted.token, jwks, minted.audience, user));
    } catch (err) {
      if (!(err instanceof Failed)) throw err;
    }
    return steps;
  };
}

export type Prechecks = ReturnType<typeof createPrechecks>;
