import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { formAction, hiddenFields, startTestIdp } from '../helpers/idp.js';
import { discover, signIn, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';

test('behind a TLS-terminating proxy the advertised URLs stay https', async () => {
  const idp = await startTestIdp({ env: { ISSUER: 'https://idp.example.com', TRUST_PROXY: 'true' } });
  try {
    const local = `http://127.0.0.1:${(idp.server.address() as { port: number }).port}`;
    const res = await fetch(`${local}/.well-known/openid-configuration`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'idp.example.com' } });
    const doc = (await res.json()) as Record<string, string>;
    assert.equal(doc.issuer, 'https://idp.example.com');
    for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint', 'introspection_endpoint']) {
      assert.ok(doc[key]!.startsWith('https://idp.example.com/'), `${key} = ${doc[key]}`);
    }
    assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000');
  } finally {
    await idp.stop();
  }
});

test('first-party clients skip consent; expired tokens stop working', async () => {
  let clock = Date.now();
  const idp = await startTestIdp({ now: () => clock, env: { ACCESS_TOKEN_TTL: '300', ID_TOKEN_TTL: '300' } });
  try {
    await idp.services.tenants.add({ id: 'fp', name: 'First party' });
    await idp.services.accounts.addUser({ tenantId: 'fp', email: 'fiona@fp.test', password: 'first party pw' });
    const web = await idp.services.clients.add({ name: 'Own app', kind: 'web', firstParty: true, redirectUris: [REDIRECT_URI] });
    const config = await discover(idp, web.clientId, web.clientSecret);
    const { browser, page } = await startAuthorization(config, 'openid email');
    const html = await page.res!.text();
    const step = await browser.postForm(
      new URL(formAction(html, '/login'), idp.issuer).toString(),
      { ...hiddenFields(html, '/login'), tenant: 'fp', email: 'fiona@fp.test', password: 'first party pw' },
      REDIRECT_URI,
    );
    assert.ok(step.url.startsWith(REDIRECT_URI), 'redirected straight back with a code, no consent page');

    const { tokens } = await signIn(idp, config, { tenant: 'fp', email: 'fiona@fp.test', password: 'first party pw' }, 'openid email');
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, true);
    clock += 310_000; // past exp plus the verifier's 5 s leeway
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false, 'expired access token is inactive');
    const me = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(me.status, 401, 'userinfo refuses an expired access token');
    await assert.rejects(idp.services.verifier.verifyUserToken(tokens.id_token!), (e: { code?: string }) => e.code === 'user_token_expired');
  } finally {
    await idp.stop();
  }
});
