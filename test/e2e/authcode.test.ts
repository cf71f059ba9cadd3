// Authorization-code tenants end to end: the zero-config service (provider, broker, AWS
// sandbox with the demo fixture, demo app) in headless Chromium. Users of workspace
// `demo-idc` sign in at tti-bridge, then connect once through the sandbox's Identity Center
// login and consent; the broker's /idc/callback exchanges the code (real AWS SDK against the
// sandbox) and searches work through the same API as the trusted-token-issuer tenant.
// State and code replay, a callback completed by another user, and disabling a tenant or
// user are checked against the stored Identity Center sessions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, skip } from '../helpers/chromium.js';
import { DEMO_IDC_PASSWORD, DEMO_IDC_TENANT_ID, DEMO_PASSWORD } from '../../src/demo/seed.js';
import { DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { startDemoService, type DemoService } from '../helpers/demo.js';
import { discover, signIn as rpSignIn, REDIRECT_URI } from '../helpers/rp.js';

let svc: DemoService;
let browser: Browser;
let serviceToken: string;
/** ID tokens of the demo-idc users, from an independent relying party (openid-client). */
const tokens: Record<string, string> = {};

before(async () => {
  if (skip) return;
  svc = await startDemoService();
  browser = await launchChromium();
  const { service } = svc.demo.clients;
  serviceToken = (
    await oidc.clientCredentialsGrant(await discover(svc.idp, service.clientId, service.clientSecret), {
      scope: 'search',
      resource: svc.idp.config.BROKER_AUDIENCE,
    })
  ).access_token;
  const web = await svc.idp.services.clients.add({ name: 'ISV tests', kind: 'web', redirectUris: [REDIRECT_URI] });
  const webConfig = await discover(svc.idp, web.clientId, web.clientSecret);
  for (const name of ['alice', 'bob']) {
    const { tokens: t } = await rpSignIn(
      svc.idp,
      webConfig,
      { tenant: DEMO_IDC_TENANT_ID, email: `${name}@example.com`, password: DEMO_PASSWORD },
      'openid email tenant',
    );
    tokens[name] = t.id_token!;
  }
});

after(async () => {
  await browser?.close();
  await svc?.stop();
});

async function api(path: string, body: unknown) {
  const res = await fetch(`${svc.issuer}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const searchApi = (tenant: string, user: string, queryText = 'Kestrel-3 concept study') =>
  api(`/tenants/${tenant}/search`, { queryText, user: { token: tokens[user] } });
const connectUrl = async (user: string) => {
  const r = await api(`/tenants/${DEMO_IDC_TENANT_ID}/connect`, { user: { token: tokens[user] }, returnUrl: `${svc.issuer}/demo/search` });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.authorizeUrl as string;
};
const storedSessions = async (tenant: string, userEmail?: string) => {
  const { rows } = await sql<{ email: string }>`SELECT u.email FROM idc_sessions s JOIN users u ON u.id = s.user_id WHERE s.tenant_id = ${tenant}`.execute(
    svc.idp.database,
  );
  return rows.map((r) => r.email).filter((e) => !userEmail || e === userEmail);
};

/** Signs in to the demo app's demo-idc workspace through the provider's login page. */
async function demoSignIn(context: BrowserContext, email: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${svc.issuer}/demo`);
  await page.getByRole('button', { name: `Sign in to ${DEMO_IDC_TENANT_ID}` }).click();
  await page.waitForURL(/\/interaction\//);
  assert.equal(await page.getByLabel('Workspace').inputValue(), DEMO_IDC_TENANT_ID);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${svc.issuer}/demo/search`);
  return page;
}

/** At the sandbox's Identity Center: sign in and allow. Resolves once the browser left it. */
async function idcSignIn(page: Page, userName: string): Promise<void> {
  await page.waitForURL(`${svc.demo.sandbox.url}/authorize?**`);
  await page.getByLabel('Username').fill(userName);
  await page.getByLabel('Password').fill(DEMO_IDC_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((u) => u.origin === svc.issuer);
}

async function search(page: Page, q: string) {
  await page.getByLabel('Your question').fill(q);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForLoadState();
  return {
    titles: await page.locator('ol.results h3 > span:first-child').allTextContents(),
    mode:
      (await page
        .locator('#flow-mode')
        .textContent()
        .catch(() => null)) ?? '',
    panel:
      (await page
        .locator('aside')
        .textContent()
        .catch(() => null)) ?? '',
  };
}

test('authorization-code tenant: connect through Identity Center in the browser, then search like any tenant', { skip, timeout: 180_000 }, async (t) => {
  let alice: BrowserContext;
  let alicePage: Page;

  await t.test('a user who has not connected gets connect_required from the search API', async () => {
    const r = await searchApi(DEMO_IDC_TENANT_ID, 'alice');
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'connect_required');
    assert.equal(r.body.connectEndpoint, `/api/v1/tenants/${DEMO_IDC_TENANT_ID}/connect`);
    // The trusted-token-issuer tenant has no connect step.
    const tti = await api(`/tenants/${DEMO_TENANT_ID}/connect`, { user: { token: await rpSignInTti('alice') }, returnUrl: `${svc.issuer}/demo` });
    assert.equal(tti.status, 409);
    assert.equal(tti.body.code, 'not_authorization_code_tenant');
    // A return URL must be https (or http on localhost).
    const bad = await api(`/tenants/${DEMO_IDC_TENANT_ID}/connect`, { user: { token: tokens.alice }, returnUrl: 'http://evil.example/x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'validation_failed');
  });

  await t.test('alice connects from the demo app: extra redirect, Identity Center sign-in, consent, then cached searches', async () => {
    alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    alicePage = await demoSignIn(alice, 'alice@example.com');
    const refused = await search(alicePage, 'Kestrel-3 concept study');
    assert.deepEqual(refused.titles, []);
    assert.match((await alicePage.getByRole('alert').textContent()) ?? '', /connect/i);
    await alicePage.getByRole('button', { name: 'Connect with Globex Identity Center' }).click();
    await alicePage.waitForURL(`${svc.demo.sandbox.url}/authorize?**`);
    const authorize = new URL(alicePage.url());
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('redirect_uri'), `${svc.issuer}/idc/callback`);
    await alicePage.screenshot({ path: `${ARTIFACTS}/authcode-idc-login.png`, fullPage: true });
    await idcSignIn(alicePage, 'alice');
    assert.match(alicePage.url(), /\/demo\/search\?idc_connect=ok$/);
    assert.match((await alicePage.locator('#connect-status').textContent()) ?? '', /Connected/);
    assert.deepEqual(await storedSessions(DEMO_IDC_TENANT_ID), ['alice@example.com']);

    const found = await search(alicePage, 'Kestrel-3 concept study');
    assert.ok(found.titles.includes('Kestrel-3 concept study'), found.titles.join(' | '));
    assert.match(found.mode, /Cached credentials reused/);
    assert.match(found.panel, /Identity Center \/authorize/);
    assert.match(found.panel, /code from your Identity Center sign-in/);
    await alicePage.screenshot({ path: `${ARTIFACTS}/authcode-results-alice.png`, fullPage: true });
    // No token reaches the page, and the stored refresh token is encrypted.
    assert.doesNotMatch(await alicePage.content(), /eyJ[\w-]+\.[\w-]+\.|aorrt/);
    const [row] = (await sql<{ enc: string }>`SELECT refresh_token_enc AS enc FROM idc_sessions`.execute(svc.idp.database)).rows;
    assert.match(row!.enc, /^v1\./);
    assert.doesNotMatch(row!.enc, /aorrt/);
  });

  await t.test('the same search API serves both modes; a lost session is refreshed from the stored refresh token', async () => {
    const idc = await searchApi(DEMO_IDC_TENANT_ID, 'alice');
    assert.equal(idc.status, 200, JSON.stringify(idc.body));
    assert.ok(idc.body.results.some((r: { documentId: string }) => r.documentId === 'eng/kestrel-3-concept'));
    svc.idp.services.broker.cache.clear(); // as after a restart or on another instance
    const refreshed = await searchApi(DEMO_IDC_TENANT_ID, 'alice', 'on-call rotation');
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const calls = svc.demo.sandbox.calls.filter(
      (c) => c.operation === 'CreateTokenWithIAM' && c.detail?.['dataAccessorId'] === '3c1e5a7b-9d2f-4b6e-8a0c-4e6f8a0b2c4d',
    );
    assert.deepEqual(
      calls.map((c) => c.detail?.['grantType']),
      ['authorization_code', 'refresh_token'],
    );
    const bobTti = await rpSignInTti('bob');
    const tti = await api(`/tenants/${DEMO_TENANT_ID}/search`, { queryText: 'price book', user: { token: bobTti } });
    assert.equal(tti.status, 200, JSON.stringify(tti.body));
  });

  await t.test("a connect URL completed in another user's browser is refused, and the state is spent", async () => {
    // alice's browser (signed in here as alice) follows a connect URL made for bob.
    const page = await alice.newPage();
    await page.goto(await connectUrl('bob'));
    await idcSignIn(page, 'bob');
    assert.match(page.url(), /\/idc\/callback\?/);
    assert.match((await page.locator('body').textContent()) ?? '', /connect_wrong_user/);
    assert.deepEqual(await storedSessions(DEMO_IDC_TENANT_ID, 'bob@example.com'), []);
    const replay = await page.goto(page.url());
    assert.equal(replay?.status(), 400);
    await page.close();
  });

  await t.test('state and code are single-use', async () => {
    const bob = await browser.newContext();
    const page = await demoSignIn(bob, 'bob@example.com');
    let callback = '';
    page.on('request', (r) => {
      if (r.url().startsWith(`${svc.issuer}/idc/callback`)) callback = r.url();
    });
    await page.goto(await connectUrl('bob'));
    await idcSignIn(page, 'bob');
    assert.match(page.url(), /idc_connect=ok/);
    assert.deepEqual(await storedSessions(DEMO_IDC_TENANT_ID, 'bob@example.com'), ['bob@example.com']);
    // The same callback again: the state was consumed.
    const again = await page.goto(callback);
    assert.equal(again?.status(), 400);
    assert.match((await page.locator('body').textContent()) ?? '', /connect_state_invalid/);
    // A fresh state with the old code: Identity Center refuses the code's second use.
    const fresh = new URL(await connectUrl('bob')).searchParams.get('state')!;
    const oldCode = new URL(callback).searchParams.get('code')!;
    await page.goto(`${svc.issuer}/idc/callback?${new URLSearchParams({ code: oldCode, state: fresh })}`);
    assert.match(page.url(), /idc_connect=error&code=connect_code_rejected/);
    // bob's own connection is untouched.
    assert.equal((await searchApi(DEMO_IDC_TENANT_ID, 'bob', 'price book')).status, 200);
    await bob.close();
  });

  await t.test('disabling a user or the tenant drops the stored Identity Center sessions', async () => {
    await svc.idp.services.accounts.disableUser(DEMO_IDC_TENANT_ID, 'bob@example.com');
    assert.deepEqual(await storedSessions(DEMO_IDC_TENANT_ID), ['alice@example.com']);
    await svc.idp.services.accounts.enableUser(DEMO_IDC_TENANT_ID, 'bob@example.com');
    assert.equal((await searchApi(DEMO_IDC_TENANT_ID, 'bob')).body.code, 'connect_required');

    await svc.idp.services.tenants.disable(DEMO_IDC_TENANT_ID);
    assert.deepEqual(await storedSessions(DEMO_IDC_TENANT_ID), []);
    await svc.idp.services.tenants.enable(DEMO_IDC_TENANT_ID);
    assert.equal((await searchApi(DEMO_IDC_TENANT_ID, 'alice')).body.code, 'connect_required');
    await alice.close();
  });
});

let ttiWeb: oidc.Configuration | undefined;
/** A user token of the trusted-token-issuer workspace. */
async function rpSignInTti(name: string): Promise<string> {
  if (!ttiWeb) {
    const web = await svc.idp.services.clients.add({ name: 'ISV tests (demo)', kind: 'web', redirectUris: [REDIRECT_URI] });
    ttiWeb = await discover(svc.idp, web.clientId, web.clientSecret);
  }
  const { tokens: t } = await rpSignIn(
    svc.idp,
    ttiWeb,
    { tenant: DEMO_TENANT_ID, email: `${name}@example.com`, password: DEMO_PASSWORD },
    'openid email tenant',
  );
  return t.id_token!;
}
