// Authorization codes and refresh tokens are single use under concurrency, across two app
// instances on one database: of five simultaneous redemptions exactly one succeeds, the
// others get invalid_grant, and the replay revokes the grant (RFC 9700 §4.14). With
// REFRESH_TOKEN_REUSE_GRACE, a client that lost a response may present its token again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { discover, logInAndConsent, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';

const USER = { tenant: 'su', email: 'sam@su.test', password: 'single use pw' };
let database: TestDatabase;
let a: TestIdp;
let b: TestIdp;
let client: { clientId: string; clientSecret?: string };

before(async () => {
  database = await createTestDatabase();
  a = await startTestIdp({ database });
  b = await startTestIdp({ database });
  await a.services.tenants.add({ id: 'su', name: 'Single use' });
  await a.services.accounts.addUser({ tenantId: USER.tenant, email: USER.email, password: USER.password });
  client = await a.services.clients.add({ name: 'Web', kind: 'web', firstParty: true, redirectUris: [REDIRECT_URI] });
});
after(async () => {
  await a.stop();
  await b.stop();
  await database.drop();
});

const basic = () => `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;

/** A token request to instance a or b (both must accept the same client, code and token). */
async function tokenRequest(idp: TestIdp, form: Record<string, string>) {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams(form),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** A fresh code (and its PKCE verifier) from a real sign-in on instance a. */
async function freshCode() {
  const config = await discover(a, client.clientId, client.clientSecret);
  const { browser, verifier, page } = await startAuthorization(config, 'openid email offline_access');
  const step = await logInAndConsent(a, browser, page, USER);
  const code = new URL(step.url).searchParams.get('code');
  assert.ok(code, `sign-in ended at ${step.url}`);
  return { code, verifier };
}

const redeem = (idp: TestIdp, code: string, verifier: string) =>
  tokenRequest(idp, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI });
const refresh = (idp: TestIdp, token: string) => tokenRequest(idp, { grant_type: 'refresh_token', refresh_token: token });

test('an authorization code redeemed five times at once on two instances succeeds exactly once', async () => {
  for (let round = 0; round < 3; round++) {
    const { code, verifier } = await freshCode();
    const results = await Promise.all([a, b, a, b, a].map((idp) => redeem(idp, code, verifier)));
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, `round ${round}: ${results.map((r) => r.status).join(',')}`);
    for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.body.error, 'invalid_grant');
    // The replay revoked the grant: the winner's refresh token no longer works.
    const after = await refresh(b, ok[0]!.body.refresh_token!);
    assert.equal(after.status, 400);
    assert.equal(after.body.error, 'invalid_grant');
  }
});

test('a refresh token redeemed five times at once on two instances succeeds exactly once, and the grant is revoked', async () => {
  for (let round = 0; round < 3; round++) {
    const { code, verifier } = await freshCode();
    const first = await redeem(a, code, verifier);
    assert.equal(first.status, 200);
    const results = await Promise.all([b, a, b, a, b].map((idp) => refresh(idp, first.body.refresh_token!)));
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, `round ${round}: ${results.map((r) => r.status).join(',')}`);
    for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.body.error, 'invalid_grant');
    const next = await refresh(a, ok[0]!.body.refresh_token!);
    assert.equal(next.status, 400, 'the rotated token died with the grant');
  }
});

test('a used refresh token presented again later (no grace period) revokes the whole grant', async () => {
  const { code, verifier } = await freshCode();
  const first = await redeem(a, code, verifier);
  const second = await refresh(a, first.body.refresh_token!);
  assert.equal(second.status, 200);
  const replay = await refresh(b, first.body.refresh_token!);
  assert.equal(replay.status, 400);
  assert.equal(replay.body.error, 'invalid_grant');
  assert.equal((await refresh(a, second.body.refresh_token!)).status, 400, 'the legitimate successor is revoked too');
});

test('REFRESH_TOKEN_REUSE_GRACE lets a client retry a lost refresh response within the window, not after', async () => {
  let clock = Date.now();
  const graceful = await startTestIdp({ database, now: () => clock, env: { REFRESH_TOKEN_REUSE_GRACE: '30' } });
  try {
    const { code, verifier } = await freshCode();
    const first = await redeem(graceful, code, verifier);
    assert.equal(first.status, 200);
    const lost = await refresh(graceful, first.body.refresh_token!);
    assert.equal(lost.status, 200);
    const retry = await refresh(graceful, first.body.refresh_token!); // the response above "never arrived"
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal((await refresh(graceful, retry.body.refresh_token!)).status, 200, 'the retried chain continues');
    clock += 31_000;
    const late = await refresh(graceful, first.body.refresh_token!);
    assert.equal(late.status, 400, 'past the grace period the reuse is refused');
    assert.equal(late.body.error, 'invalid_grant');
  } finally {
    await graceful.stop();
  }
});
