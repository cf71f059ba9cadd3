import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startTestIdp } from '../helpers/idp.js';
import { createTestDatabase } from '../helpers/db.js';
import { discover, signIn, REDIRECT_URI } from '../helpers/rp.js';

test('sessions, grants, refresh tokens and keys survive a restart', async () => {
  const database = await createTestDatabase();
  const first = await startTestIdp({ database });
  await first.services.tenants.add({ id: 'p', name: 'Persist' });
  await first.services.accounts.addUser({ tenantId: 'p', email: 'pat@p.test', password: 'persist me please' });
  const web = await first.services.clients.add({ name: 'rp', kind: 'web', redirectUris: [REDIRECT_URI] });
  const { tokens, browser } = await signIn(first, await discover(first, web.clientId, web.clientSecret), {
    tenant: 'p',
    email: 'pat@p.test',
    password: 'persist me please',
  });
  const kidsBefore = (await first.services.keys().list()).map((k) => k.kid).sort();
  // A restart: every in-memory object is dropped; only the port is kept (closing and
  // re-binding it would race with other test files that pick random ports).
  await first.stopApp();

  const second = await startTestIdp({ database, server: first.server });
  try {
    assert.deepEqual((await second.services.keys().list()).map((k) => k.kid).sort(), kidsBefore, 'same keys, none regenerated');
    const config = await discover(second, web.clientId, web.clientSecret);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(refreshed.claims()!.email, 'pat@p.test');
    // The browser's session cookie still signs the user in, and the earlier consent (grant) is reused.
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email profile tenant groups',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const res = await browser.follow(url.toString(), REDIRECT_URI);
    assert.ok(new URL(res.url).searchParams.get('code'), 'no login or consent page after restart');
  } finally {
    await second.stop();
    await database.drop();
  }
});
