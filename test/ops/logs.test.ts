// What the logs say, read from the real app's log output (createApp over HTTP, real
// PostgreSQL, a real sign-in form): error codes are visible while secrets stay redacted,
// every line of a request carries its request id (the broker's search line and the
// provider's events included), and each sign-in attempt, consent and logout is one line
// that names the tenant, user, client and IP, never the password or an unknown login name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type * as oidc from 'openid-client';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { formAction, hiddenFields, type TestIdp } from '../helpers/idp.js';
import { discover, REDIRECT_URI, signIn, startAuthorization } from '../helpers/rp.js';
import { createLogger } from '../../src/shared/logger.js';
import { loginHash } from '../../src/idp/signin-log.js';

const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';
let h: Harness;
let web: { clientId: string; config: oidc.Configuration };
const PASSWORD = 'a-correct-horse-password';
let tenantId: string;
let alice: { id: string; email: string };

before(async () => {
  h = await startBrokerHarness({
    // Behind a proxy: the sign-in lines must name the client's IP (the X-Forwarded-For
    // entry the proxy appended), and the tests below vary it to keep their counters apart.
    env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_ACCOUNT: '3', LOGIN_MAX_FAILURES_IP: '4' },
  });
  tenantId = await h.addTenant({}); // pending: searches fail with a known code, no AWS needed
  const u = await h.services.accounts.addUser({ tenantId, email: 'alice@example.com', password: PASSWORD });
  alice = { id: u.id, email: u.email };
  const c = await h.services.clients.add({ name: 'Logs test app', kind: 'web', redirectUris: [REDIRECT_URI] });
  web = { clientId: c.clientId, config: await discover({ issuer: h.url } as TestIdp, c.clientId, c.clientSecret) };
});
after(() => h?.close());

const lines = () =>
  h.logs
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const linesOf = (reqId: string) => lines().filter((l) => l.reqId === reqId);

/** Starts a sign-in and posts the login form from `ip` (as the proxy reports it). */
async function attempt(ip: string, email: string, password: string) {
  const { browser, page } = await startAuthorization(web.config, 'openid email');
  const html = await page.res!.text();
  const reqId = `login-${ip}-${Math.random().toString(36).slice(2, 10)}`;
  const res = await browser.fetch(new URL(formAction(html, '/login'), h.url).toString(), {
    method: 'POST',
    body: new URLSearchParams({ ...hiddenFields(html, '/login'), tenant: tenantId, email, password }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip, 'x-request-id': reqId },
  });
  await res.text();
  const events = linesOf(reqId).filter((l) => typeof l.event === 'string');
  assert.equal(events.length, 1, `one sign-in line per attempt: ${JSON.stringify(events)}`);
  return { status: res.status, line: events[0]! };
}

test('a failed search logs its error code and the request id; the id is echoed', async () => {
  const user = await h.addUser(tenantId, 'searcher@example.com');
  const svc = await h.addService([tenantId]);
  const res = await h.api('POST', `/api/v1/tenants/${tenantId}/search`, {
    token: svc.token,
    body: { queryText: 'q', user: { id: user.id } },
    headers: { 'x-request-id': 'search-req-0001' },
  });
  assert.equal(res.body.code, 'tenant_not_active');
  assert.equal(res.headers.get('x-request-id'), 'search-req-0001');
  const search = linesOf('search-req-0001').find((l) => l.msg === 'broker search');
  assert.ok(search, `the search line carries the request id: ${h.logs.slice(-5).join('')}`);
  assert.equal(search.code, 'tenant_not_active', 'the error code is visible');
  assert.equal(search.outcome, 'failure');
  assert.equal(search.tenantId, tenantId);
  assert.ok(
    linesOf('search-req-0001').some((l) => l.msg === 'request' && l.status === res.status),
    'and so does the access line',
  );
});

test('an unusable X-Request-Id is replaced by a generated one', async () => {
  for (const bad of ['short', 'x'.repeat(129), 'has space-in-it', 'quote"injection-1', 'new\\nline-000']) {
    const res = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': bad } });
    const id = res.headers.get('x-request-id')!;
    assert.notEqual(id, bad);
    assert.match(id, /^[0-9a-f-]{36}$/);
  }
  const res = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': 'proxy.assigned_id-42' } });
  assert.equal(res.headers.get('x-request-id'), 'proxy.assigned_id-42');
});

test('sign-in success, consent and logout are logged with user, tenant, client and IP; logout carries the provider request id', async () => {
  const { browser } = await signIn({ issuer: h.url } as TestIdp, web.config, { tenant: tenantId, email: alice.email, password: PASSWORD });
  const success = lines()
    .filter((l) => l.event === 'login.success' && l.userId === alice.id)
    .at(-1);
  assert.ok(success, 'login.success logged');
  assert.equal(success.tenantId, tenantId);
  assert.equal(success.clientId, web.clientId);
  assert.equal(success.ip, '127.0.0.1');
  assert.equal(typeof success.reqId, 'string');
  const consent = lines()
    .filter((l) => l.event === 'consent.granted' && l.userId === alice.id)
    .at(-1);
  assert.ok(consent, 'consent logged');
  assert.equal(consent.clientId, web.clientId);
  assert.ok((consent.scopes as string[]).includes('openid'));

  // Logout: the provider's own page and its end_session event.
  const page = await browser.fetch(`${h.url}/session/end?client_id=${web.clientId}`);
  const html = await page.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(action && xsrf, `the logout form: ${html.slice(0, 300)}`);
  const res = await browser.fetch(new URL(action, h.url).toString(), {
    method: 'POST',
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'logout-req-0001', 'x-forwarded-for': '203.0.113.9' },
  });
  assert.equal(res.status, 303);
  const logout = linesOf('logout-req-0001').find((l) => l.event === 'logout');
  assert.ok(logout, `logout logged with the request id: ${h.logs.slice(-4).join('')}`);
  assert.equal(logout.userId, alice.id);
  assert.equal(logout.clientId, web.clientId);
  assert.equal(logout.ip, '203.0.113.9', "the proxy-aware IP of our app, not the provider's own view");
});

test('failed sign-ins say why (wrong password, unknown user, locked, throttled) without the password or the unknown name', async () => {
  const wrong = await attempt('198.51.100.1', alice.email, 'wrong-password-1');
  assert.equal(wrong.status, 401);
  assert.deepEqual(
    {
      event: wrong.line.event,
      reason: wrong.line.reason,
      userId: wrong.line.userId,
      tenantId: wrong.line.tenantId,
      clientId: wrong.line.clientId,
      ip: wrong.line.ip,
    },
    { event: 'login.failure', reason: 'wrong_password', userId: alice.id, tenantId, clientId: web.clientId, ip: '198.51.100.1' },
  );
  const unknown = await attempt('198.51.100.1', 'Mallory@Example.com', 'guess-guess-1');
  assert.equal(unknown.line.reason, 'unknown_user');
  assert.equal(unknown.line.userId, undefined);
  // A keyed hash of the normalized name (the key: the test app's SECRET_KEY, test/helpers/idp.ts).
  assert.equal(unknown.line.loginHash, loginHash(TEST_SECRET_KEY, tenantId, 'mallory@example.com'));

  // The account's counter locks after 3 failures (LOGIN_MAX_FAILURES_ACCOUNT).
  await attempt('198.51.100.2', alice.email, 'wrong-password-2');
  await attempt('198.51.100.2', alice.email, 'wrong-password-3');
  const locked = await attempt('198.51.100.2', alice.email, PASSWORD);
  assert.equal(locked.status, 429);
  assert.equal(locked.line.reason, 'locked');

  // The IP's counter locks after 4 failures (LOGIN_MAX_FAILURES_IP), whichever names were tried.
  for (let i = 0; i < 4; i++) assert.equal((await attempt('198.51.100.3', `probe${i}@example.com`, 'guess-guess-2')).line.reason, 'unknown_user');
  const throttled = await attempt('198.51.100.3', 'probe9@example.com', 'guess-guess-3');
  assert.equal(throttled.status, 429);
  assert.equal(throttled.line.reason, 'throttled');

  const text = h.logs.join('');
  for (const secret of [PASSWORD, 'wrong-password-1', 'guess-guess', 'mallory', 'Mallory', 'probe0@', 'probe9@']) {
    assert.ok(!text.includes(secret), `${secret} appears in the log`);
  }
});

test('error codes are visible, secrets at their key names and OAuth codes at their paths are redacted', () => {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += chunk;
      done();
    },
  });
  const log = createLogger('info', sink);
  log.info(
    {
      code: 'assertion_rejected',
      err: { code: 'ECONNREFUSED' },
      password: 'pw-1',
      body: { client_secret: 'cs-1', token: 'tk-1' },
      params: { code: 'authz-code-1', code_verifier: 'cv-1' },
      req: { headers: { authorization: 'Bearer ab', cookie: 'c=1' } },
      creds: { SecretAccessKey: 'sak-1', SessionToken: 'st-1' },
    },
    'x',
  );
  const line = JSON.parse(out);
  assert.equal(line.code, 'assertion_rejected');
  assert.equal(line.err.code, 'ECONNREFUSED');
  for (const secret of ['pw-1', 'cs-1', 'tk-1', 'authz-code-1', 'cv-1', 'Bearer ab', 'c=1', 'sak-1', 'st-1'])
    assert.ok(!out.includes(secret), `${secret} leaked`);
});
