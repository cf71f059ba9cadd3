// A stand-in for our OpenID Provider in broker tests: an RS256 key whose discovery
// document and JWKS are served on 127.0.0.1 (so the sandbox can verify the assertions
// like Identity Center would), plus AssertionMinter and TokenVerifier implementations.
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { AppError } from '../../src/shared/errors.js';
import type { AssertionMinter, TokenVerifier } from '../../src/broker/ports.js';

export interface TestIssuer {
  issuer: string;
  brokerAudience: string;
  minter: AssertionMinter;
  verifier: TokenVerifier;
  /** Counts assertions minted (one per exchange). */
  minted: () => number;
  userToken(user: { id: string; tenantId: string }, opts?: { expiresIn?: number; audience?: string }): Promise<string>;
  serviceToken(clientId: string, scopes: string[], opts?: { audience?: string; expiresIn?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const server = await listen((issuer) => ({
    '/.well-known/openid-configuration': { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] },
    '/jwks': { keys: [jwk] },
  }));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const brokerAudience = `${issuer}/api`;
  let minted = 0;
  const sign = (claims: Record<string, unknown>, aud: string, ttl: number, typ = 'JWT') =>
    signWith(privateKey, kid, issuer, claims, aud, ttl, typ);

  const verify = async (token: string) => {
    try {
      return (await jwtVerify(token, publicKey, { issuer, algorithms: ['RS256'] })).payload;
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new AppError(expired ? 'token_expired' : 'invalid_token', 401, expired ? 'The token has expired.' : 'The token is invalid.');
    }
  };

  return {
    issuer,
    brokerAudience,
    minted: () => minted,
    minter: {
      async mint(claims, audience, ttl) {
        minted += 1;
        return sign({ ...claims }, audience, ttl);
      },
    },
    verifier: {
      async verifyServiceToken(token) {
        const p = await verify(token);
        if (p.aud !== brokerAudience || typeof p.client_id !== 'string') throw new AppError('invalid_token', 401, 'Not a broker access token.');
        return { clientId: p.client_id, scopes: String(p.scope ?? '').split(' ').filter(Boolean) };
      },
      async verifyUserToken(token) {
        const p = await verify(token);
        if (typeof p.sub !== 'string' || typeof p.tenant_id !== 'string') throw new AppError('invalid_user_token', 401, 'Not a user token.');
        return { sub: p.sub, tenantId: p.tenant_id, clientId: typeof p.azp === 'string' ? p.azp : undefined };
      },
    },
    userToken: (user, opts = {}) => sign({ sub: user.id, tenant_id: user.tenantId }, opts.audience ?? 'isv-web-app', opts.expiresIn ?? 300),
    serviceToken: (clientId, scopes, opts = {}) =>
      sign({ client_id: clientId, scope: scopes.join(' ') }, opts.audience ?? brokerAudience, opts.expiresIn ?? 300, 'at+jwt'),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function signWith(key: CryptoKey, kid: string, iss: string, claims: Record<string, unknown>, aud: string, ttl: number, typ: string) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ })
    .setIssuer(iss).setAudience(aud).setIssuedAt(now).setExpirationTime(now + ttl).setJti(randomUUID()).sign(key);
}

async function listen(routes: (issuer: string) => Record<string, unknown>): Promise<Server> {
  let table: Record<string, unknown> = {};
  const server = createServer((req, res) => {
    const body = table[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not_found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  table = routes(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return server;
}
