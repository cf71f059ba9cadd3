// The JWT attack corpus, against both token verifiers the broker has, over HTTP through
// the real app: the service token (Authorization: Bearer on the broker API) and the user
// token (user.token in a search). Each forged token must be refused with 401. Claim
// variants are signed with the app's own signing key, so only the claim check can refuse
// them; the two "baseline" tokens made the same way are accepted, which shows that.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, importJWK, type JWK, type JWTPayload } from 'jose';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import { createFakeAws } from '../broker/fake-aws.js';

let h: Harness;
let tenantId: string;
let service: { clientId: string; token: string };
let userId: string;
let issuer: string;
let audience: string;
let ourKey: { kid: string; privateJwk: JWK; publicPem: string; publicJwk: JWK };
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

before(async () => {
  h = await startBrokerHarness({ aws: createFakeAws() });
  issuer = (await h.api('GET', '/.well-known/openid-configuration')).body.issuer;
  audience = `${issuer}/api`;
  tenantId = await h.addTenant(fakeTenantDetails());
  service = await h.addService([tenantId], ['search', 'admin']);
  userId = (await h.addUser(tenantId, 'corpus@example.com')).id;
  const { signingKey, publicJwks } = h.services.holder.keys();
  const publicJwk = publicJwks.find((k) => k.kid === signingKey.kid) as JWK;
  const publicPem = createPublicKey({ key: publicJwk as never, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  ourKey = { kid: signingKey.kid, privateJwk: signingKey.privateJwk as JWK, publicPem, publicJwk };
});
after(() => h?.close());

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function serviceClaims(over: Record<string, unknown> = {}): JWTPayload {
  return { iss: issuer, aud: audience, client_id: service.clientId, scope: 'search admin', jti: randomUUID(), iat: now(), exp: now() + 300, ...over };
}
function userClaims(over: Record<string, unknown> = {}): JWTPayload {
  return { iss: issuer, aud: 'isv-data-accessor', sub: userId, tenant_id: tenantId, jti: randomUUID(), iat: now(), exp: now() + 300, ...over };
}
const without = (claims: JWTPayload, name: string) => Object.fromEntries(Object.entries(claims).filter(([k]) => k !== name));

/** Signed with the app's own key (RS256, its kid), unless the header says otherwise. */
async function signed(claims: JWTPayload, header: Record<string, unknown> = {}, key: 'ours' | 'attacker' = 'ours'): Promise<string> {
  const k = key === 'ours' ? await importJWK(ourKey.privateJwk, 'RS256') : attacker.privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: ourKey.kid, ...header } as never).sign(k);
}
function unsigned(claims: JWTPayload): string {
  return `${b64({ alg: 'none', kid: ourKey.kid })}.${b64(claims)}.`;
}
function hmacWith(secret: string, claims: JWTPayload): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: ourKey.kid })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Every forgery, built from the claims of one token kind. */
async function corpus(claims: () => JWTPayload): Promise<[string, string][]> {
  const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: ourKey.kid };
  return [
    ['alg none', unsigned(claims())],
    ['alg none, empty kid', `${b64({ alg: 'none' })}.${b64(claims())}.`],
    ['HS256 keyed with our public key (PEM)', hmacWith(ourKey.publicPem, claims())],
    ['HS256 keyed with our public key (JWK JSON)', hmacWith(JSON.stringify(ourKey.publicJwk), claims())],
    ['HS256 keyed with an empty secret', hmacWith('', claims())],
    ['unknown kid', await signed(claims(), { kid: 'no-such-key' })],
    ['kid path traversal', await signed(claims(), { kid: '../../../../../../dev/null' }, 'attacker')],
    ['kid SQL injection', await signed(claims(), { kid: "x' UNION SELECT 'secret' --" }, 'attacker')],
    ['embedded jwk header (attacker key)', await signed(claims(), { jwk: attackerJwk }, 'attacker')],
    ['jku header (attacker key set)', await signed(claims(), { jku: 'http://127.0.0.1:9/jwks.json' }, 'attacker')],
    ['x5u header (attacker certificate)', await signed(claims(), { x5u: 'http://127.0.0.1:9/cert.pem' }, 'attacker')],
    ['different RSA key with our kid', await signed(claims(), {}, 'attacker')],
    ['missing exp', await signed(without(claims(), 'exp'))],
    ['missing iat', await signed(without(claims(), 'iat'))],
    ['expired exp', await signed({ ...claims(), iat: now() - 900, exp: now() - 60 })],
    ['lifetime beyond the configured TTL', await signed({ ...claims(), exp: now() + 30 * 86400 })],
    ['iat in the future', await signed({ ...claims(), iat: now() + 3600, exp: now() + 3900 })],
    ['nbf in the future', await signed({ ...claims(), nbf: now() + 3600 })],
    ['iss with a trailing slash', await signed({ ...claims(), iss: `${issuer}/` })],
    ['iss over https instead of http', await signed({ ...claims(), iss: issuer.replace(/^http:/, 'https:') })],
    ['iss in different case', await signed({ ...claims(), iss: issuer.replace(/^http/, 'HTTP') })],
    ['iss missing', await signed(without(claims(), 'iss'))],
    ['iss of another provider', await signed({ ...claims(), iss: 'https://evil.example' })],
    ['signature stripped', (await signed(claims())).replace(/\.[^.]+$/, '.')],
  ];
}

async function search(userToken: string, bearer = service.token) {
  return h.api('POST', `/api/v1/tenants/${tenantId}/search`, { token: bearer, body: { queryText: 'x', user: { token: userToken } } });
}

test('baselines: correctly made service and user tokens are accepted (the corpus is refused for its flaw alone)', async () => {
  const svc = await signed(serviceClaims());
  assert.equal((await h.api('GET', '/api/v1/admin/tenants', { token: svc })).status, 200);
  const res = await search(await signed(userClaims()));
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

test('service token corpus: every forgery is refused with 401 on the broker API', async () => {
  const cases: [string, string][] = [
    ...(await corpus(serviceClaims)),
    ['aud with a trailing slash', await signed(serviceClaims({ aud: `${audience}/` }))],
    ['aud of the issuer', await signed(serviceClaims({ aud: issuer }))],
    ['aud another client', await signed(serviceClaims({ aud: 'isv-data-accessor' }))],
    ['aud missing', await signed(without(serviceClaims(), 'aud'))],
    ['jti missing (could not be revoked)', await signed(without(serviceClaims(), 'jti'))],
    ['client_id of a client that does not exist', await signed(serviceClaims({ client_id: 'ghost-client' }))],
    ['a user token as the service token', await signed(userClaims())],
    ['a user access token for the broker audience', await signed(serviceClaims({ sub: userId }))],
  ];
  const accepted: string[] = [];
  for (const [name, token] of cases) {
    const res = await h.api('GET', '/api/v1/admin/tenants', { token });
    const problem = /problem\+json/.test(String(res.headers.get('content-type')));
    if (res.status !== 401 || !['invalid_token', 'token_expired'].includes(res.body?.code) || !problem)
      accepted.push(`${name}: ${res.status} ${res.body?.code}`);
  }
  assert.deepEqual(accepted, [], 'forgeries not refused with 401');
});

test('user token corpus: every forgery is refused with 401 in a search', async () => {
  const cases: [string, string][] = [
    ...(await corpus(userClaims)),
    ['aud of a client that does not exist', await signed(userClaims({ aud: 'ghost-client' }))],
    ['aud missing', await signed(without(userClaims(), 'aud'))],
    ['a service token as the user token', service.token],
    ['sub missing', await signed(without(userClaims(), 'sub'))],
  ];
  const accepted: string[] = [];
  for (const [name, token] of cases) {
    const res = await search(token);
    if (res.status !== 401 || !['invalid_user_token', 'user_token_expired'].includes(res.body?.code)) accepted.push(`${name}: ${res.status} ${res.body?.code}`);
  }
  assert.deepEqual(accepted, [], 'forgeries not refused with 401');
});
