// The verifier remembers tokens it has verified (a hot-path optimisation); these checks make
// sure the memo never outlives a token's expiry and never vouches for a different string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startTestIdp } from '../helpers/idp.js';
import { discover } from '../helpers/rp.js';

test('verified service tokens are remembered only until they expire', async () => {
  let clock = Date.now();
  const idp = await startTestIdp({ now: () => clock, env: { ACCESS_TOKEN_TTL: '120', KEY_ACTIVATION_DELAY: '0' } });
  try {
    const svc = await idp.services.clients.add({ name: 'svc', kind: 'service', scopes: ['search'] });
    const config = await discover(idp, svc.clientId, svc.clientSecret);
    const { access_token: token } = await oidc.clientCredentialsGrant(config, { scope: 'search', resource: idp.config.BROKER_AUDIENCE });
    assert.equal((await idp.services.verifier.verifyServiceToken(token)).clientId, svc.clientId);
    assert.equal((await idp.services.verifier.verifyServiceToken(token)).clientId, svc.clientId, 'second check (memo) agrees');

    const [h, p, s] = token.split('.');
    const forged = [
      h,
      Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scope: 'search admin' })).toString('base64url'),
      s,
    ].join('.');
    await assert.rejects(idp.services.verifier.verifyServiceToken(forged), (e: { code?: string }) => e.code === 'invalid_token');

    // A rotation changes the key-set fingerprint; the old key stays published, so the token stays valid.
    await idp.services.keys().rotate('sig');
    await idp.services.holder.refresh();
    assert.equal((await idp.services.verifier.verifyServiceToken(token)).clientId, svc.clientId);

    // Past exp and the 5 s leeway (from the token's own exp: the provider stamps it with real time).
    clock = (JSON.parse(Buffer.from(p!, 'base64url').toString()) as { exp: number }).exp * 1000 + 6_000;
    await assert.rejects(idp.services.verifier.verifyServiceToken(token), (e: { code?: string }) => e.code === 'token_expired');
  } finally {
    await idp.stop();
  }
});
