// A small trusted token issuer for tests: discovery + JWKS over HTTP, RS256 keys that can be
// rotated, and a mint() for hand-made tokens (any header/claims, including broken ones).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface TestIssuer {
  url: string;
  kid: string;
  fetches: { discovery: number; jwks: number };
  mint(claims?: JWTPayload, opts?: { kid?: string; key?: KeyPair['privateKey']; omit?: string[] }): Promise<string>;
  /** Adds a new current key (published in the JWKS) and returns its kid. */
  rotate(): Promise<string>;
  publicJwk(): JWK;
  close(): Promise<void>;
}

export async function startTestIssuer(defaults: { audience: string; now: () => number }): Promise<TestIssuer> {
  const keys = new Map<string, { pair: KeyPair; jwk: JWK }>();
  const addKey = async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const kid = `k-${randomUUID().slice(0, 8)}`;
    keys.set(kid, { pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } });
    return kid;
  };
  let kid = await addKey();
  const fetches = { discovery: 0, jwks: 0 };
  let url = '';
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      fetches.discovery++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    } else if (req.url === '/jwks') {
      fetches.jwks++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [...keys.values()].map((k) => k.jwk) }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get kid() {
      return kid;
    },
    fetches,
    async mint(claims = {}, opts = {}) {
      const nowS = Math.floor(defaults.now() / 1000);
      const payload: JWTPayload = { iss: url, aud: defaults.audience, sub: 'user-1', iat: nowS, exp: nowS + 300, jti: randomUUID(), ...claims };
      for (const k of opts.omit ?? []) delete payload[k];
      const useKid = opts.kid ?? kid;
      const key = opts.key ?? keys.get(useKid)?.pair.privateKey ?? (keys.get(kid) as { pair: KeyPair }).pair.privateKey;
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: useKid, typ: 'JWT' }).sign(key);
    },
    async rotate() {
      kid = await addKey();
      return kid;
    },
    publicJwk: () => (keys.get(kid) as { jwk: JWK }).jwk,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
