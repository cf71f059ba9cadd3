import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { discover, signIn, REDIRECT_URI } from '../helpers/rp.js';

let database: TestDatabase;
let clock = Date.now();
const now = () => clock;
let a: TestIdp;
let b: TestIdp;
const user = { tenant: 'rot', email: 'rita@rot.test', password: 'rotation pass' };

before(async () => {
  database = await createTestDatabase();
  const env = { KEY_ACTIVATION_DELAY: '600', KEY_REFRESH_INTERVAL: '3600', ID_TOKEN_TTL: '3600' };
  a = await startTestIdp({ database, now, env });
  b = await startTestIdp({ database, now, env });
  await a.services.tenants.add({ id: 'rot', name: 'Rotation' });
  await a.services.accounts.addUser({ tenantId: 'rot', email: user.email, password: user.password });
});
after(async () => {
  await a.stop();
  await b.stop();
  await database.drop();
});

const jwks = async (idp: TestIdp) => ((await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

test('a rotated key is published first, signs after the delay, and old tokens verify until they expire', async () => {
  const web = await a.services.clients.add({ name: 'rp', kind: 'web', firstParty: true, redirectUris: [REDIRECT_URI] });
  const config = await discover(a, web.clientId, web.clientSecret);
  const before = await signIn(a, config, user, 'openid email');
  const oldKid = decodeProtectedHeader(before.tokens.id_token!).kid!;

  const rotated = await a.services.keys().rotate('sig');
  assert.equal(rotated.state, 'pending');
  await a.services.holder.refresh();
  await b.services.holder.refresh();
  assert.deepEqual((await jwks(b)).sort(), [oldKid, rotated.kid].sort(), 'instance B publishes the pending key without restart');
  const during = await signIn(a, config, user, 'openid email');
  assert.equal(decodeProtectedHeader(during.tokens.id_token!).kid, oldKid, 'pending key does not sign yet');

  clock += 601_000;
  assert.equal(await b.services.holder.refresh(), true, 'activation is picked up by the other instance');
  await a.services.holder.refresh();
  const after = await signIn(a, config, user, 'openid email');
  assert.equal(decodeProtectedHeader(after.tokens.id_token!).kid, rotated.kid);
  const minted = await b.services.minter.mint({ sub: 'x', email: user.email, email_verified: true, tenant_id: 'rot', groups: [] }, 'aud', 60);
  assert.equal(decodeProtectedHeader(minted).kid, rotated.kid, 'instance B signs with the new key too');

  const remote = createRemoteJWKSet(new URL(`${b.issuer}/jwks`));
  const opts = { issuer: a.issuer, audience: web.clientId, currentDate: new Date(clock) };
  await jwtVerify(before.tokens.id_token!, remote, opts);
  await jwtVerify(after.tokens.id_token!, remote, opts);

  // After the retired key's tokens can no longer be valid, it leaves the JWKS.
  clock += (b.config.SESSION_TTL + 10) * 1000;
  await b.services.holder.refresh();
  assert.deepEqual(await jwks(b), [rotated.kid]);
  const listed = await b.services.keys().list();
  assert.ok(listed.some((k) => k.kid === rotated.kid && k.state === 'active'));
});

test('cookie keys rotate without logging anyone out', async () => {
  const web = await a.services.clients.add({ name: 'rp2', kind: 'web', firstParty: true, redirectUris: [REDIRECT_URI] });
  const config = await discover(a, web.clientId, web.clientSecret);
  const { browser } = await signIn(a, config, user, 'openid');
  await a.services.keys().rotate('cookie');
  clock += 601_000;
  await a.services.holder.refresh();
  // The existing session cookie (signed with the old key) still works: no login form.
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const res = await browser.follow(url.toString(), REDIRECT_URI);
  assert.ok(res.url.startsWith(REDIRECT_URI), 'silently redirected back with a code');
  assert.ok(new URL(res.url).searchParams.get('code'));
});
