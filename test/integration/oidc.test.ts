import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { startTestIdp, type TestIdp, formAction, hiddenFields } from '../helpers/idp.js';
import { discover, logInAndConsent, signIn, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';

let idp: TestIdp;
let web: { clientId: string; clientSecret?: string };
const alice = { tenant: 'acme', email: 'alice@acme.test', password: 'correct horse battery' };

before(async () => {
  idp = await startTestIdp();
  await idp.services.tenants.add({ id: 'acme', name: 'Acme' });
  await idp.services.accounts.addUser({ tenantId: 'acme', email: alice.email, name: 'Alice A', groups: ['eng', 'all'], password: alice.password });
  web = await idp.services.clients.add({ name: 'Web RP', kind: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: ['http://127.0.0.1:9/bye'] });
});
after(() => idp.stop());

test('discovery advertises the exact issuer and cacheable JWKS', async () => {
  const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('cache-control')!, /max-age=\d+/);
  const doc = (await res.json()) as Record<string, unknown>;
  assert.equal(doc.issuer, idp.issuer);
  assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
  const jwks = await fetch(doc.jwks_uri as string);
  assert.match(jwks.headers.get('cache-control')!, /public, max-age=\d+/);
  const { keys } = (await jwks.json()) as { keys: Record<string, unknown>[] };
  assert.ok(keys.length >= 1);
  for (const k of keys) {
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.ok(k.kid);
    assert.equal(k.d, undefined, 'no private parts published');
  }
});

test('authorization code + PKCE yields an ID token Identity Center would accept', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const { tokens } = await signIn(idp, config, alice);
  const header = decodeProtectedHeader(tokens.id_token!);
  assert.equal(header.alg, 'RS256');
  assert.ok(header.kid);
  const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { issuer: idp.issuer, audience: web.clientId });
  assert.equal(payload.iss, idp.issuer);
  assert.equal(payload.email, alice.email);
  assert.equal(payload.email_verified, true);
  assert.equal(payload.name, 'Alice A');
  assert.equal(payload.tenant_id, 'acme');
  assert.deepEqual(payload.groups, ['eng', 'all']);
  assert.ok(typeof payload.jti === 'string' && payload.jti.length >= 16);
  assert.ok(payload.exp! > payload.iat!);
  assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');

  const info = await oidc.fetchUserInfo(config, tokens.access_token, payload.sub!);
  assert.equal(info.email, alice.email);
  assert.equal(info.jti, undefined, 'jti is an ID token claim only');

  const second = await signIn(idp, config, alice);
  assert.notEqual(second.tokens.claims()!.jti, payload.jti, 'every ID token has a fresh jti');
});

test('refresh rotates the refresh token and the old one stops working', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const { tokens } = await signIn(idp, config, alice);
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  assert.ok(refreshed.access_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), (e: oidc.ResponseBodyError) => e.error === 'invalid_grant');
});

test('revocation and introspection', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const { tokens } = await signIn(idp, config, alice);
  const active = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(active.active, true);
  assert.equal(active.client_id, web.clientId);
  await oidc.tokenRevocation(config, tokens.access_token);
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
});

test('client credentials gives a JWT access token for the broker API', async () => {
  const svc = await idp.services.clients.add({ name: 'Search service', kind: 'service', scopes: ['search'], allowedTenants: ['acme'] });
  const config = await discover(idp, svc.clientId, svc.clientSecret);
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'search', resource: idp.config.BROKER_AUDIENCE });
  const verified = await idp.services.verifier.verifyServiceToken(tokens.access_token);
  assert.deepEqual(verified, { clientId: svc.clientId, scopes: ['search'] });
  await assert.rejects(
    oidc.clientCredentialsGrant(config, { scope: 'admin', resource: idp.config.BROKER_AUDIENCE }),
    (e: oidc.ResponseBodyError) => e.error === 'invalid_scope',
  );
  const wrong = await discover(idp, svc.clientId, 'not-the-secret');
  await assert.rejects(
    oidc.clientCredentialsGrant(wrong, { scope: 'search' }),
    (e: { error?: string; response?: Response }) => e.error === 'invalid_client' || e.response?.status === 401,
  );
});

test('wrong password and unknown user get the same answer; disabled users cannot sign in', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const attempt = async (user: typeof alice) => {
    const { browser, page } = await startAuthorization(config);
    const html = await page.res!.text();
    const res = await browser.postForm(new URL(formAction(html, '/login'), idp.issuer).toString(), { ...hiddenFields(html, '/login'), ...user }, REDIRECT_URI);
    const body = (await res.res!.text())
      .replace(/\/interaction\/[^/"]+/g, '')
      .replace(/name="csrf" value="[^"]+"/g, '')
      .replaceAll(user.email, 'EMAIL');
    return { status: res.res!.status, body };
  };
  const wrong = await attempt({ ...alice, password: 'nope nope' });
  const unknown = await attempt({ ...alice, email: 'nobody@acme.test' });
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong, unknown);
  assert.match(wrong.body, /workspace, email or password is not correct/);
  await idp.services.accounts.addUser({ tenantId: 'acme', email: 'carol@acme.test', password: 'carols password' });
  await idp.services.accounts.disableUser('acme', 'carol@acme.test');
  const disabled = await attempt({ tenant: 'acme', email: 'carol@acme.test', password: 'carols password' });
  assert.equal(disabled.status, 401);
});

test('an account locks after repeated failures with a clear message', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  await idp.services.accounts.addUser({ tenantId: 'acme', email: 'dave@acme.test', password: 'daves password' });
  let last: Response | undefined;
  for (let i = 0; i < idp.config.LOGIN_MAX_FAILURES_ACCOUNT + 1; i++) {
    const { browser, page } = await startAuthorization(config);
    const html = await page.res!.text();
    last = (
      await browser.postForm(
        new URL(formAction(html, '/login'), idp.issuer).toString(),
        { ...hiddenFields(html, '/login'), tenant: 'acme', email: 'dave@acme.test', password: 'bad guess' },
        REDIRECT_URI,
      )
    ).res;
  }
  assert.equal(last!.status, 429);
  assert.ok(Number(last!.headers.get('retry-after')) > 0);
  assert.match(await last!.text(), /Too many failed sign-in attempts/);
});

test('negative protocol cases are OAuth errors, never 500s', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const auth = (params: Record<string, string>) => fetch(`${idp.issuer}/auth?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const badRedirect = await auth({
    client_id: web.clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: 'https://evil.example/cb',
    code_challenge: 'x'.repeat(43),
    code_challenge_method: 'S256',
  });
  assert.equal(badRedirect.status, 400);
  assert.match(await badRedirect.text(), /redirect_uri/);
  const unknownClient = await auth({ client_id: 'nope', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI });
  assert.equal(unknownClient.status, 400);
  const noPkce = await auth({ client_id: web.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI });
  assert.equal(noPkce.status, 303);
  assert.match(noPkce.headers.get('location')!, /error=invalid_request/);

  const { tokens: _t, callbackUrl, verifier } = await signIn(idp, config, alice);
  const code = new URL(callbackUrl).searchParams.get('code')!;
  const redeem = (v: string) =>
    fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: v }),
    });
  const replay = await redeem(verifier);
  assert.equal(replay.status, 400);
  assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
  const missing = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=authorization_code',
  });
  assert.ok([400, 401].includes(missing.status));
});

test('PKCE mismatch is refused', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const { browser, page, state } = await startAuthorization(config);
  const { url } = await logInAndConsent(idp, browser, page, alice);
  assert.ok(url.startsWith(REDIRECT_URI), 'signed in: the code is only refused for its verifier');
  await assert.rejects(
    oidc.authorizationCodeGrant(config, new URL(url), { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }),
    (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
  );
});

test('tampered tokens are refused by introspection and by our verifier', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const { tokens } = await signIn(idp, config, alice);
  const [h, p, s] = tokens.id_token!.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const forged = [h, Buffer.from(JSON.stringify({ ...claims, email: 'mallory@acme.test' })).toString('base64url'), s].join('.');
  await assert.rejects(idp.services.verifier.verifyUserToken(forged), /could not be verified/);
  assert.equal((await oidc.tokenIntrospection(config, `${tokens.access_token}x`)).active, false);
});

test('consent cancel returns access_denied to the client; logout ends the session', async () => {
  const config = await discover(idp, web.clientId, web.clientSecret);
  const { browser, page } = await startAuthorization(config);
  const html = await page.res!.text();
  const step = await browser.postForm(new URL(formAction(html, '/login'), idp.issuer).toString(), { ...hiddenFields(html, '/login'), ...alice }, REDIRECT_URI);
  const consent = await step.res!.text();
  assert.match(consent, /Allow access/);
  assert.match(consent, /<strong>Web RP<\/strong> would like to/, 'the client is named, not shown as its opaque id');
  const denied = await browser.postForm(new URL(formAction(consent, '/abort'), idp.issuer).toString(), hiddenFields(consent, '/abort'), REDIRECT_URI);
  assert.equal(new URL(denied.url).searchParams.get('error'), 'access_denied');

  const { tokens, browser: b2 } = await signIn(idp, config, alice);
  const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/bye' });
  const logoutPage = await b2.follow(logoutUrl.toString(), 'http://127.0.0.1:9/bye');
  const form = await logoutPage.res!.text();
  const action = form.match(/action="([^"]+)"/)![1]!;
  const xsrf = form.match(/name="xsrf" value="([^"]+)"/)![1]!;
  const out = await b2.postForm(new URL(action, idp.issuer).toString(), { xsrf, logout: 'yes' }, 'http://127.0.0.1:9/bye');
  assert.ok(out.url.startsWith('http://127.0.0.1:9/bye'));
  const again = await startAuthorization(config);
  assert.match(await again.page.res!.text(), /Sign in/, 'session gone: login form shown again');
});

test('operations endpoints: health, readiness and Prometheus metrics', async () => {
  assert.equal((await fetch(`${idp.issuer}/healthz`)).status, 200);
  const ready = await fetch(`${idp.issuer}/readyz`);
  assert.equal(ready.status, 200);
  const text = await (await fetch(`${idp.issuer}/metrics`)).text();
  assert.match(text, /logins_total\{outcome="success"\} [1-9]/);
  assert.match(text, /logins_total\{outcome="invalid_credentials"\} [1-9]/);
  assert.match(text, /login_lockouts_total [1-9]/);
  assert.match(text, /token_grants_total\{grant_type="authorization_code",outcome="success"\} [1-9]/);
  assert.match(text, /http_request_duration_seconds_count\{route="\/interaction",method="POST",status="\d+"\}/);
  assert.match(text, /^credential_cache_hit_ratio 0$/m, 'no broker searches yet: the ratio gauge reads 0');
});
