// The real app on a PostgreSQL server of this test's own, which is stopped and then frozen
// (SIGSTOP: TCP still accepted, nothing answers) under traffic. Every route must answer 503
// with Retry-After (OAuth JSON `temporarily_unavailable`, broker problem+json
// `service_unavailable`, SCIM's error schema, a readable page for the login pages) within bounded time, recover
// by itself, keep refresh chains intact and lose no audit rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import * as oidc from 'openid-client';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import type { TestIdp } from '../helpers/idp.js';
import { Browser, formAction, hiddenFields } from '../helpers/idp.js';
import { discover, signIn, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';
import { createFakeAws } from '../broker/fake-aws.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-pg.js';

// Short timeouts keep the test quick; the production defaults are 5 s and 10 s.
const CONNECT_S = 1;
const STATEMENT_S = 2;
/** The longest a request may take while the database is frozen: statement timeout + the client's extra second, plus a generous margin for a loaded machine. */
const FROZEN_LIMIT_MS = (STATEMENT_S + 1) * 1000 + 9000;
/** Requests are abandoned after this long (today's code would hang for ever). */
const CLIENT_GIVES_UP_MS = 25_000;

let db: PrivatePostgres;
let h: Harness;
let tenantId: string;
let userToken: string;
let webClient: { clientId: string; clientSecret: string };
let web: oidc.Configuration;
let user: { tenant: string; email: string; password: string };
let pending: { browser: Browser; interactionUrl: string; hidden: Record<string, string> };
let searches = 0;
/** An operator signed in to the admin console (its pages read the session and the user from the database). */
let consoleBrowser: Browser;

before(async () => {
  db = await startPrivatePostgres();
  h = await startBrokerHarness({
    aws: createFakeAws(),
    database: { url: db.url, drop: async () => {} },
    directoryCacheMs: 0,
    env: { DB_CONNECT_TIMEOUT: String(CONNECT_S), DB_STATEMENT_TIMEOUT: String(STATEMENT_S) },
  });
  tenantId = await h.addTenant(fakeTenantDetails());
  const u = await h.addUser(tenantId, `${tenantId}@example.com`);
  userToken = await h.issuer.userToken(u);
  const w = await h.services.clients.add({ name: 'web', kind: 'web', redirectUris: [REDIRECT_URI] });
  webClient = { clientId: w.clientId, clientSecret: w.clientSecret! };
  web = await discover({ issuer: h.url } as TestIdp, w.clientId, w.clientSecret);
  serviceToken = (await h.addService([tenantId])).token;
  scimToken = (await h.addService([tenantId], ['scim'])).token;
  onboardUrl = h.services.onboardingLinks.issue(tenantId).url;
  const password = 'pw-outage-test-1';
  const added = await h.services.accounts.addUser({ tenantId, email: `rp-${tenantId}@example.com`, groups: [], password });
  user = { tenant: tenantId, email: added.email, password };
  // A sign-in left at its login page: the page and the form post are tried during the outage.
  const started = await startAuthorization(web);
  pending = { browser: started.browser, interactionUrl: started.page.url, hidden: hiddenFields(await started.page.res!.text(), '/login') };
  await h.services.tenants.add({ id: 'operators', name: 'Operators' });
  await h.services.accounts.addUser({ tenantId: 'operators', email: 'root@ops.example', groups: ['admin'], password });
  consoleBrowser = new Browser();
  const login = await consoleBrowser.follow(`${h.url}/admin/login`, `${h.url}/admin/tenants`);
  const html = await login.res!.text();
  const signedIn = await consoleBrowser.postForm(
    new URL(formAction(html, '/login'), login.url).href,
    { ...hiddenFields(html, '/login'), tenant: 'operators', email: 'root@ops.example', password },
    `${h.url}/admin/tenants`,
  );
  assert.equal(signedIn.url, `${h.url}/admin/tenants`);
});
after(async () => {
  await h?.close();
  await db?.destroy();
});

interface Outcome {
  name: string;
  status: number;
  ms: number;
  headers: Headers;
  text: string;
}

async function timed(name: string, run: (signal: AbortSignal) => Promise<Response>): Promise<Outcome> {
  const started = performance.now();
  const res = await run(AbortSignal.timeout(CLIENT_GIVES_UP_MS));
  return { name, status: res.status, ms: performance.now() - started, headers: res.headers, text: await res.text() };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** One request of each kind that needs the database (the login post only while it cannot succeed). */
function probes(opts: { login?: boolean } = {}): Promise<Outcome>[] {
  searches += 1;
  const login = () =>
    timed('login', (signal) =>
      pending.browser.fetch(`${pending.interactionUrl}/login`, {
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: new URLSearchParams({ ...pending.hidden, ...user }).toString(),
      }),
    );
  return [
    // A code grant reads the code from the database (client credentials need none: JWT access tokens).
    timed('token', (signal) =>
      fetch(`${h.url}/token`, {
        method: 'POST',
        signal,
        headers: { authorization: basic(webClient.clientId, webClient.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'no-such-code-0123456789',
          redirect_uri: REDIRECT_URI,
          code_verifier: 'v'.repeat(43),
        }),
      }),
    ),
    timed('auth', (signal) =>
      fetch(
        oidc.buildAuthorizationUrl(web, {
          redirect_uri: REDIRECT_URI,
          scope: 'openid',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }),
        { signal, redirect: 'manual', headers: { accept: 'application/json' } },
      ),
    ),
    // A client not read before: nothing to redirect to, so the browser gets a page.
    timed('auth page', (signal) =>
      fetch(`${h.url}/auth?client_id=unknown-${searches}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {
        signal,
        redirect: 'manual',
        headers: { accept: 'text/html' },
      }),
    ),
    timed('login page', (signal) => pending.browser.fetch(pending.interactionUrl, { signal, headers: { accept: 'text/html' } })),
    timed('console page', (signal) => consoleBrowser.fetch(`${h.url}/admin/tenants`, { signal, headers: { accept: 'text/html' } })),
    // The self-service page reads the link's tenant.
    timed('onboard page', (signal) => fetch(onboardUrl, { signal, headers: { accept: 'text/html' } })),
    ...(opts.login === false ? [] : [login()]),
    timed('search', (signal) =>
      fetch(`${h.url}/api/v1/tenants/${tenantId}/search`, {
        method: 'POST',
        signal,
        headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ queryText: 'status', user: { token: userToken } }),
      }),
    ),
    timed('scim', (signal) =>
      fetch(`${h.url}/scim/v2/tenants/${tenantId}/Users?filter=${encodeURIComponent(`userName eq "${user.email}"`)}`, {
        signal,
        headers: { authorization: `Bearer ${scimToken}` },
      }),
    ),
  ];
}
let serviceToken = '';
let scimToken = '';
let onboardUrl = '';

function assertUnavailable(o: Outcome): void {
  // RFC 6749 §4.1.2.1: once client and redirect_uri are known, the authorization endpoint
  // reports `temporarily_unavailable` to the client by redirect.
  if (o.name === 'auth' && o.status === 303) {
    assert.equal(new URL(o.headers.get('location')!).searchParams.get('error'), 'temporarily_unavailable');
    return;
  }
  assert.equal(o.status, 503, `${o.name}: ${o.status} ${o.text.slice(0, 300)}`);
  assert.ok(Number(o.headers.get('retry-after')) > 0, `${o.name}: Retry-After`);
  if (o.name === 'token' || o.name === 'auth') {
    // JSON, or the provider's error page when the authorization request cannot be redirected
    // (the client itself could not be read).
    if (/json/.test(o.headers.get('content-type') ?? '')) assert.equal(JSON.parse(o.text).error, 'temporarily_unavailable', o.name);
    else assert.match(o.text, /temporarily_unavailable[\s\S]*try again/i, o.name);
  }
  if (o.name === 'search') {
    assert.match(o.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(JSON.parse(o.text).code, 'service_unavailable');
  }
  if (o.name === 'scim') {
    assert.match(o.headers.get('content-type') ?? '', /application\/scim\+json/);
    assert.equal(JSON.parse(o.text).status, '503');
  }
  if (o.name.startsWith('login') || o.name.endsWith('page')) {
    assert.match(o.headers.get('content-type') ?? '', /text\/html/, o.name);
    assert.match(o.text, /try again/i, o.name);
  }
}

async function readyz(): Promise<Outcome> {
  return timed('readyz', (signal) => fetch(`${h.url}/readyz`, { signal }));
}

async function waitUntilReady(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if ((await readyz()).status === 200) return;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert.fail('/readyz did not recover within 30 s of the database coming back');
}

async function auditRows(kind: string, tenant: string): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return Number((await c.query('SELECT count(*) FROM audit_events WHERE kind = $1 AND tenant_id = $2', [kind, tenant])).rows[0].count);
  } finally {
    await c.end();
  }
}

test('a stopped database: every route answers 503 with Retry-After, and all recover by themselves; no audit row is lost', async () => {
  const healthy = await Promise.all(probes({ login: false }));
  assert.equal(healthy.find((o) => o.name === 'search')!.status, 200, 'search works before the outage');
  assert.equal(healthy.find((o) => o.name === 'console page')!.status, 200, 'the console works before the outage');
  assert.equal(healthy.find((o) => o.name === 'scim')!.status, 200, 'SCIM works before the outage');
  assert.equal(healthy.find((o) => o.name === 'token')!.status, 400, 'an unknown code is invalid_grant before the outage');

  await db.stop();
  for (let round = 0; round < 2; round++) {
    for (const o of await Promise.all(probes())) assertUnavailable(o);
  }
  assert.equal((await readyz()).status, 503);

  await db.start();
  await waitUntilReady();
  const after = await Promise.all(probes());
  assert.equal(after.find((o) => o.name === 'search')!.status, 200, 'search recovers');
  assert.equal(JSON.parse(after.find((o) => o.name === 'scim')!.text).totalResults, 1, 'SCIM recovers');
  assert.equal(after.find((o) => o.name === 'token')!.status, 400, 'the token endpoint recovers (invalid_grant for the unknown code)');
  assert.equal(after.find((o) => o.name === 'login page')!.status, 200, 'the login page recovers');
  assert.equal(after.find((o) => o.name === 'console page')!.status, 200, 'the admin console recovers, still signed in');
  assert.equal(after.find((o) => o.name === 'onboard page')!.status, 200, 'the self-service page recovers');
  const login = after.find((o) => o.name === 'login')!;
  assert.ok([200, 303].includes(login.status), `the sign-in left during the outage completes (${login.status})`);
  await h.broker.audit.flush();
  assert.equal(await auditRows('search', tenantId), searches, 'every search of the outage is in the audit trail');
});

test('a frozen database: requests answer 503 within the statement timeout, /readyz within its own; an abandoned refresh consumes nothing', async () => {
  const { tokens } = await signIn({ issuer: h.url } as TestIdp, web, user);
  const refreshToken = tokens.refresh_token!;
  assert.ok(refreshToken);

  db.freeze();
  try {
    const [ready, ...outcomes] = await Promise.all([readyz(), ...probes()]);
    assert.equal(ready!.status, 503);
    assert.ok(ready!.ms < 2000 + 6000, `/readyz took ${Math.round(ready!.ms)} ms`);
    for (const o of outcomes) {
      assertUnavailable(o);
      assert.ok(o.ms < FROZEN_LIMIT_MS, `${o.name} took ${Math.round(o.ms)} ms`);
    }

    // A refresh whose client gives up while the database hangs; the database then answers.
    const abandoned = fetch(`${h.url}/token`, {
      method: 'POST',
      signal: AbortSignal.timeout(500),
      headers: { authorization: basic(webClient.clientId, webClient.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    await assert.rejects(abandoned);
    await new Promise((ok) => setTimeout(ok, 300));
  } finally {
    db.thaw();
  }
  await waitUntilReady();
  await new Promise((ok) => setTimeout(ok, 500)); // the abandoned request has run to its end

  const next = await oidc.refreshTokenGrant(web, refreshToken);
  assert.ok(next.refresh_token, 'the refresh token the abandoned request carried still works');
  const third = await oidc.refreshTokenGrant(web, next.refresh_token!);
  assert.ok(third.access_token, 'and the chain goes on');
  const again = await Promise.all(probes({ login: false }));
  assert.equal(again.find((o) => o.name === 'search')!.status, 200);
  await h.broker.audit.flush();
  assert.equal(await auditRows('search', tenantId), searches, 'every search is in the audit trail');
});

test('one audit event the database refuses as text (NUL byte, lone surrogate) does not take the batch down with it', async () => {
  const marker = `nul-${Date.now()}`;
  const event = {
    kind: 'check' as const,
    tenantId: marker,
    userId: null,
    serviceClientId: null,
    outcome: 'success' as const,
    errorCode: null,
    awsRequestIds: [],
    latencyMs: 1,
  };
  h.broker.audit.record(event);
  h.broker.audit.record({ ...event, queryText: 'before\u0000after', detail: { note: 'x\u0000y', lone: 'a\ud800b' } });
  h.broker.audit.record({ ...event, queryText: 'fine' });
  await h.broker.audit.flush();
  assert.equal(await auditRows('check', marker), 3);
});
