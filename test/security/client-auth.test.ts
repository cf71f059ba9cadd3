// Client authentication: the stored secret hash must never work as a secret, by any
// method the provider knows; the real secret works by both methods we advertise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';

let idp: TestIdp;
let clientId: string;
let secret: string;
let storedHash: string;

before(async () => {
  idp = await startTestIdp();
  const c = await idp.services.clients.add({ name: 'Backend', kind: 'service', scopes: ['search', 'admin'], allowedTenants: ['*'] });
  clientId = c.clientId;
  secret = c.clientSecret!;
  const row = await idp.database.selectFrom('oidc_clients').select('secret_hash').where('client_id', '=', clientId).executeTakeFirst();
  storedHash = row!.secret_hash!;
});
after(() => idp.stop());

const basic = (id: string, s: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(s)}`).toString('base64')}`;

async function token(form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin', ...form }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

test('the real secret authenticates by client_secret_basic and client_secret_post', async () => {
  const viaBasic = await token({}, { authorization: basic(clientId, secret) });
  assert.equal(viaBasic.status, 200, JSON.stringify(viaBasic.body));
  assert.ok(viaBasic.body.access_token);
  const viaPost = await token({ client_id: clientId, client_secret: secret });
  assert.equal(viaPost.status, 200, JSON.stringify(viaPost.body));
  assert.ok(viaPost.body.access_token);
});

test('the stored hash is refused by every client authentication method', async () => {
  const viaPost = await token({ client_id: clientId, client_secret: storedHash });
  assert.equal(viaPost.status, 401, 'hash as client_secret_post');
  assert.equal(viaPost.body.error, 'invalid_client');
  const viaBasic = await token({}, { authorization: basic(clientId, storedHash) });
  assert.equal(viaBasic.status, 401, 'hash as client_secret_basic');

  // client_secret_jwt: an HS256 assertion keyed by the hash (or by the real secret).
  for (const key of [storedHash, secret]) {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${idp.issuer}/token`)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(key));
    const viaJwt = await token({
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    assert.ok([400, 401].includes(viaJwt.status), `client_secret_jwt answered ${viaJwt.status}`);
    assert.ok(!viaJwt.body.access_token);
  }

  // Introspection and revocation authenticate clients the same way.
  for (const path of ['/token/introspection', '/token/revocation']) {
    const res = await fetch(`${idp.issuer}${path}`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'x', client_id: clientId, client_secret: storedHash }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 401, `${path} with the hash`);
  }
});

test('a wrong secret of the right length is refused', async () => {
  const wrong = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
  assert.equal((await token({ client_id: clientId, client_secret: wrong })).status, 401);
  assert.equal((await token({}, { authorization: basic(clientId, wrong) })).status, 401);
});

test('discovery advertises only the methods we support, and RS256 only', async () => {
  const doc = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
  assert.deepEqual([...doc.token_endpoint_auth_methods_supported!].sort(), ['client_secret_basic', 'client_secret_post', 'none']);
  for (const key of ['introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
    if (doc[key]) assert.deepEqual([...doc[key]].sort(), ['client_secret_basic', 'client_secret_post', 'none'], key);
  }
  for (const [key, values] of Object.entries(doc)) {
    if (key.endsWith('signing_alg_values_supported')) assert.ok(!values.some((v) => v.startsWith('HS')), `${key}: ${values}`);
  }
});
