// The broker accepts the ISV's own IdP tokens (trusted external issuers), end to end:
// a second node-oidc-provider is the ISV's IdP, its ID token from a real sign-in is the
// search's user.token, no tti-bridge login happens, the user is provisioned by email, and
// the AWS sandbox (verifying our minted assertion as Identity Center would) returns what
// that user may see. Also: backend access naming the user by email, and every refusal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { e2eFixture, tenantDetails } from '../broker/e2e-fixture.js';
import { startUpstreamIdp, type UpstreamIdp } from '../helpers/upstream-idp.js';

const APP_CALLBACK = 'http://127.0.0.1:9/isv-callback';
let h: Harness;
let up: UpstreamIdp;
let svc: { clientId: string; token: string };
let aliceToken: string;

before(async () => {
  h = await startBrokerHarness({ sandboxFixture: e2eFixture() });
  up = await startUpstreamIdp({
    clients: [
      { client_id: 'isv-app', client_secret: 'isv-app-secret', redirect_uris: [APP_CALLBACK] },
      { client_id: 'other-app', client_secret: 'other-app-secret', redirect_uris: [APP_CALLBACK] },
    ],
    accounts: {
      'u-alice': { email: 'alice@corp.example', email_verified: true, name: 'Alice' },
      'u-bob': { email: 'bob@corp.example', email_verified: true },
      'u-unverified': { email: 'carol@corp.example', email_verified: false },
    },
  });
  const url = h.sandbox!.url;
  await h.tenants.add({ id: 'e2e-a', name: 'A', ...tenantDetails(url) });
  await h.tenants.add({ id: 'e2e-b', name: 'B', ...tenantDetails(url) });
  // The ISV's IdP as a trusted external issuer only (no federated sign-in): its ID tokens for isv-app.
  await h.services
    .upstreams()
    .add({ id: 'isv-idp', displayName: 'ISV IdP', issuer: up.issuer, tokenAudience: 'isv-app', tenants: ['e2e-a'], clockSkewSeconds: 10 });
  await h.services.upstreams().add({ id: 'down-idp', displayName: 'Down IdP', issuer: 'http://127.0.0.1:1', tokenAudience: 'isv-app', tenants: ['e2e-a'] });
  svc = await h.addService(['e2e-a', 'e2e-b']);
  aliceToken = await up.idToken('isv-app', 'isv-app-secret', APP_CALLBACK, 'u-alice');
});
after(async () => {
  await h?.close();
  await up?.stop();
});

const search = (user: Record<string, unknown>, tenant = 'e2e-a', token = svc.token) =>
  h.api('POST', `/api/v1/tenants/${tenant}/search`, { token, body: { queryText: 'project x status', maxResults: 20, user } });
const ids = (r: { body: { results: { documentId: string }[] } }) => r.body.results.map((x) => x.documentId);

test("a search with the ISV IdP's own ID token returns that user's documents (no tti-bridge login)", async () => {
  assert.equal(await h.services.accounts.getUser('e2e-a', 'alice@corp.example'), null);
  const r = await search({ token: aliceToken });
  assert.equal(r.status, 200, JSON.stringify(r.body) + h.logs.filter((l) => /err/i.test(l)).join('\n'));
  assert.ok(ids(r).includes('eng-secret'));
  assert.ok(!ids(r).includes('sales-secret'));
  // Provisioned just in time by email, without a password.
  const alice = await h.services.accounts.getUser('e2e-a', 'alice@corp.example');
  assert.equal(alice?.hasPassword, false);
  // Our assertion (not the upstream's token) went to Identity Center.
  const exchange = h.sandbox!.calls.find((c) => c.operation === 'CreateTokenWithIAM');
  assert.ok(exchange);
  const bob = await search({ token: await up.idToken('isv-app', 'isv-app-secret', APP_CALLBACK, 'u-bob') });
  assert.equal(bob.status, 200, JSON.stringify(bob.body));
  assert.ok(ids(bob).includes('sales-secret'));
  assert.ok(!ids(bob).includes('eng-secret'));
});

test('a token for another audience is refused', async () => {
  const other = await up.idToken('other-app', 'other-app-secret', APP_CALLBACK, 'u-alice');
  const r = await search({ token: other });
  assert.equal(r.status, 401);
  assert.equal(r.body.code, 'invalid_user_token');
  assert.match(r.body.detail, /aud check failed/);
});

test('an unverified email is refused and no user is created', async () => {
  const r = await search({ token: await up.idToken('isv-app', 'isv-app-secret', APP_CALLBACK, 'u-unverified') });
  assert.equal(r.status, 403);
  assert.equal(r.body.code, 'upstream_email_unverified');
  assert.equal(await h.services.accounts.getUser('e2e-a', 'carol@corp.example'), null);
});

test('a tenant the issuer does not serve is refused', async () => {
  const r = await search({ token: aliceToken }, 'e2e-b');
  assert.equal(r.status, 403);
  assert.equal(r.body.code, 'upstream_tenant_mismatch');
  assert.equal(await h.services.accounts.getUser('e2e-b', 'alice@corp.example'), null);
});

test('forged, expired, wrong-algorithm and unknown-issuer tokens are refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: up.issuer, aud: 'isv-app', sub: 'u-alice', email: 'alice@corp.example', email_verified: true, iat: now };
  // Signed with the upstream's real key but expired beyond the allowed 10 s skew.
  const expired = await search({ token: await up.sign({ ...base, exp: now - 30 }) });
  assert.equal(expired.status, 401);
  assert.equal(expired.body.code, 'user_token_expired');
  // Within the skew it is accepted.
  assert.equal((await search({ token: await up.sign({ ...base, exp: now - 5 }) })).status, 200);
  // No exp at all.
  const noExp = await search({ token: await up.sign(base) });
  assert.equal(noExp.status, 401);
  assert.match(noExp.body.detail, /exp/);
  // A key the upstream never published.
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ ...base, exp: now + 300 }).setProtectedHeader({ alg: 'RS256', kid: 'upstream-key-1' }).sign(privateKey);
  const f = await search({ token: forged });
  assert.equal(f.status, 401);
  assert.equal(f.body.code, 'invalid_user_token');
  // HS256 keyed with anything: the algorithm alone is refused.
  const hs = await new SignJWT({ ...base, exp: now + 300 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
  const hr = await search({ token: hs });
  assert.equal(hr.status, 401);
  assert.match(hr.body.detail, /RS256 and ES256/);
  // An issuer nobody configured.
  const stranger = await new SignJWT({ ...base, iss: 'https://stranger.example', exp: now + 300 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  const s = await search({ token: stranger });
  assert.equal(s.status, 401);
  assert.match(s.body.detail, /neither this provider nor a trusted external issuer/);
});

test('an issuer that is down answers 503 with Retry-After', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    iss: 'http://127.0.0.1:1',
    aud: 'isv-app',
    sub: 's',
    email: 'alice@corp.example',
    email_verified: true,
    iat: now,
    exp: now + 300,
  })
    .setProtectedHeader({ alg: 'RS256' })
    .sign(privateKey);
  const r = await search({ token });
  assert.equal(r.status, 503);
  assert.equal(r.body.code, 'upstream_unavailable');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

test("the caller's allowed tenants are checked before any user is provisioned", async () => {
  const narrow = await h.addService(['e2e-b']);
  const token = await up.idToken('isv-app', 'isv-app-secret', APP_CALLBACK, 'u-bob');
  await h.services.upstreams().update('isv-idp', { tenants: ['e2e-a', 'e2e-b'] });
  try {
    const r = await search({ token }, 'e2e-a', narrow.token);
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'service_not_allowed');
  } finally {
    await h.services.upstreams().update('isv-idp', { tenants: ['e2e-a'] });
  }
});

test('backend access may name the user by email, only where the tenant allows it', async () => {
  const refused = await search({ email: 'alice@corp.example' });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'backend_access_not_allowed');
  await h.tenants.update('e2e-a', { allowBackendAccess: true });
  const ok = await search({ email: 'Alice@corp.example' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.ok(ids(ok).includes('eng-secret'));
  const unknown = await search({ email: 'nobody@corp.example' });
  assert.equal(unknown.status, 403);
  assert.equal(unknown.body.code, 'user_not_in_tenant');
  const both = await search({ email: 'alice@corp.example', id: 'x' });
  assert.equal(both.status, 400);
  assert.match(both.body.detail, /exactly one of token, id or email/);
});
