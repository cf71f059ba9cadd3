// The admin console in headless Chromium against the real application and the AWS sandbox:
// operators sign in through our own login page, every page is walked at 1280 and 390 px
// (no horizontal scroll, axe-core 0 violations, screenshots in test-artifacts/), the actions
// run for real (setup check with per-step results, self-service link, kit download, user
// unlock/reset password/reset MFA/disable, client secret rotation, key rotation, audit filters), and the
// refusals hold: a non-admin operator, a customer's user in group admin, a tenant-limited
// administrator on another tenant's pages and actions, a POST without the CSRF token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { startTestIdp } from '../helpers/idp.js';
import { e2eFixture, IDS, tenantDetails } from '../broker/e2e-fixture.js';
import { accountKey } from '../../src/accounts/throttle.js';
import { ARTIFACTS, launchChromium, skip } from '../helpers/chromium.js';

const PASSWORD = 'operator-password-1';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let h: Harness;
let browser: Browser;

before(async () => {
  if (skip) return;
  h = await startBrokerHarness({ sandboxFixture: e2eFixture() });
  const { accounts, tenants } = h.services;
  await tenants.add({ id: 'operators', name: 'Operators' });
  await tenants.add({ id: 'e2e-a', name: 'Acme (sandbox)', ...tenantDetails(h.sandbox!.url) });
  await tenants.add({ id: 'globex', name: 'Globex', roleArn: IDS.role });
  const op = (email: string, groups: string[]) => accounts.addUser({ tenantId: 'operators', email, groups, password: PASSWORD });
  await op('root@ops.example', ['admin']);
  await op('limited@ops.example', ['admin:e2e-a']);
  await op('plain@ops.example', ['support']);
  // A customer's directory may well have a group called admin: it grants nothing here.
  await accounts.addUser({ tenantId: 'e2e-a', email: 'boss@corp.example', groups: ['admin'], password: PASSWORD });
  await h.addUser('e2e-a', 'alice@corp.example', { groups: ['eng'] });
  await h.addUser('e2e-a', 'carol@corp.example');
  await h.addService(['e2e-a'], ['search']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await h?.close();
});

/** A browser context; axe is injected as an inline script, which only a CSP bypass allows (the pages' own CSP is asserted separately). */
const newContext = (width: number) => browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });

async function signIn(context: BrowserContext, tenant: string, email: string): Promise<{ page: Page; status: number }> {
  const page = await context.newPage();
  await page.goto(`${h.url}/admin`);
  await page.waitForURL(/\/interaction\//);
  // The console asked the login page to prefill the operator tenant.
  assert.equal(await page.getByLabel('Workspace').inputValue(), 'operators');
  await page.getByLabel('Workspace').fill(tenant);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  const done = page.waitForResponse((r) => r.url().startsWith(`${h.url}/admin/callback`));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const callback = await done;
  await page.waitForLoadState('domcontentloaded');
  return { page, status: callback.status() };
}

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate<{ violations: { id: string; nodes: { target: unknown }[] }[] }>('axe.run()');
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Loads a console page, checks it fits the viewport and has no accessibility violations, and keeps a screenshot. */
async function visit(page: Page, path: string, shot: string): Promise<string> {
  const res = await page.goto(`${h.url}${path}`);
  assert.equal(
    res?.status(),
    200,
    `${path}: ${await page
      .locator('main')
      .innerText()
      .catch(() => '')}`,
  );
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  assert.ok(scrollWidth <= innerWidth, `${path} scrolls horizontally at ${innerWidth} px (${scrollWidth} px wide)`);
  assert.deepEqual(await axe(page), [], `${path}: axe violations`);
  await page.screenshot({ path: `${ARTIFACTS}/console-${shot}-${innerWidth}.png`, fullPage: true });
  return page.locator('main').innerText();
}

const csrfOf = (page: Page) => page.locator('input[name=_csrf]').first().inputValue();

test('an operator administrator walks every page at 1280 and 390 px and uses every action', { skip, timeout: 240_000 }, async (t) => {
  for (const width of [1280, 390]) {
    await t.test(`pages at ${width} px`, async () => {
      const context = await newContext(width);
      const { page, status } = await signIn(context, 'operators', 'root@ops.example');
      assert.equal(status, 302);
      assert.equal(new URL(page.url()).pathname, '/admin/tenants');
      const tenants = await visit(page, '/admin/tenants', 'tenants');
      assert.match(tenants, /e2e-a[\s\S]*active/);
      assert.match(tenants, /globex[\s\S]*pending[\s\S]*Q Business application ID/);
      await visit(page, '/admin/tenants/e2e-a', 'tenant');
      const kit = await visit(page, '/admin/tenants/e2e-a/kit', 'kit');
      assert.match(kit, /isv-permission-policy\.json/);
      assert.match(kit, /isv-data-accessor/); // the audience the customer must enter
      const users = await visit(page, '/admin/tenants/e2e-a/users', 'users');
      assert.match(users, /alice@corp\.example/);
      await visit(page, '/admin/audit', 'audit');
      const clients = await visit(page, '/admin/clients', 'clients');
      assert.match(clients, /tti-bridge-console/);
      await visit(page, '/admin/keys', 'keys');
      await context.close();
    });
  }

  const context = await newContext(1280);
  const { page } = await signIn(context, 'operators', 'root@ops.example');
  const res = await page.goto(`${h.url}/admin/tenants/e2e-a`);
  assert.match(res!.headers()['content-security-policy'] ?? '', /default-src 'none'; style-src 'self'/);
  const cookie = (await context.cookies()).find((c) => c.name === 'tti_console');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Lax' && cookie.path === '/admin');

  await t.test('setup check: per-step results, all passing against the sandbox', async () => {
    await page.getByLabel("User's email").fill('alice@corp.example');
    await page.getByRole('button', { name: 'Run the check' }).click();
    await page.waitForLoadState('domcontentloaded');
    const text = await page.locator('main').innerText();
    assert.match(text, /every step passed/);
    for (const step of ['STS AssumeRole', 'CreateTokenWithIAM', 'SearchRelevantContent']) assert.match(text, new RegExp(`Passed: [^\\n]*${step}`));
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: `${ARTIFACTS}/console-check-1280.png`, fullPage: true });
  });

  await t.test('setup check of a user the tenant lacks names the failing step', async () => {
    await page.getByLabel("User's email").fill('nobody@corp.example');
    await page.getByRole('button', { name: 'Run the check' }).click();
    await page.waitForLoadState('domcontentloaded');
    assert.match(await page.locator('main').innerText(), /a step failed[\s\S]*Failed: Test user known to the provider/);
  });

  await t.test('audit filters: tenant, kind, outcome, error code, time range', async () => {
    await page.goto(`${h.url}/admin/audit`);
    await page.getByLabel('Tenant').selectOption('e2e-a');
    await page.getByLabel('Kind').selectOption('check');
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForLoadState('domcontentloaded');
    const rows = page.locator('table tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /check[\s\S]*failure[\s\S]*user_not_in_tenant[\s\S]*console:root@ops\.example/);
    const code = await rows.first().locator('td[data-label="Error code"]').innerText();
    await page.goto(`${h.url}/admin/audit?tenant=e2e-a&errorCode=${code}&since=2000-01-01T00:00&until=2000-01-02T00:00`);
    assert.match(await page.locator('main').innerText(), /No events match/);
    await page.goto(`${h.url}/admin/audit?tenant=e2e-a&kind=check&outcome=success`);
    assert.equal(await page.locator('table tbody tr').count(), 1);
    const bad = await page.goto(`${h.url}/admin/audit?since=yesterday`);
    assert.equal(bad!.status(), 400);
    // The trail with events, at both widths.
    await visit(page, '/admin/audit?tenant=e2e-a', 'audit-events');
    await page.setViewportSize({ width: 390, height: 900 });
    await visit(page, '/admin/audit?tenant=e2e-a', 'audit-events');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await t.test('self-service link for a pending tenant, shown once', async () => {
    await page.goto(`${h.url}/admin/tenants/globex`);
    await page.getByRole('button', { name: 'Make a self-service link' }).click();
    await page.waitForLoadState('domcontentloaded');
    const link = await page.locator('.secret code').innerText();
    assert.match(link, new RegExp(`^${h.url}/onboard\\?link=v1\\.`));
    assert.equal(h.services.onboardingLinks.verify(new URL(link).searchParams.get('link')!).tenantId, 'globex');
  });

  await t.test('edit details: a bad value is refused with the field named; a good one saved', async () => {
    await page.goto(`${h.url}/admin/tenants/globex`);
    await page.getByLabel('Q Business Region').fill('moon-1');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.waitForLoadState('domcontentloaded');
    assert.match(await page.getByRole('alert').innerText(), /Q Business Region: must be an AWS region/);
    await page.getByLabel('Q Business Region').fill('eu-west-1');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.waitForURL(`${h.url}/admin/tenants/globex`);
    assert.equal((await h.services.tenants.get('globex'))?.qbusinessRegion, 'eu-west-1');
    assert.match(await page.getByRole('status').innerText(), /Saved tenant globex/);
  });

  await t.test('kit files download', async () => {
    await page.goto(`${h.url}/admin/tenants/e2e-a/kit?applicationPrincipal=${encodeURIComponent('arn:aws:iam::111122223333:role/app')}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'isv-trust-policy.json' }).click()]);
    assert.equal(download.suggestedFilename(), 'e2e-a-isv-trust-policy.json');
    const anonymous = await fetch(`${h.url}/admin/tenants/e2e-a/kit/isv-trust-policy.json`, { redirect: 'manual' });
    assert.equal(anonymous.status, 302, 'without a console session the kit redirects to sign-in');
    assert.equal(anonymous.headers.get('location'), '/admin/login');
  });

  await t.test('users: search, unlock, reset password (shown once), disable', async () => {
    const key = accountKey('e2e-a', 'carol@corp.example');
    await h.database
      .insertInto('login_throttle')
      .values({ key, failures: 5, last_failure: new Date(), locked_until: new Date(Date.now() + 600_000) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ locked_until: new Date(Date.now() + 600_000) }))
      .execute();
    await page.goto(`${h.url}/admin/tenants/e2e-a/users?q=carol`);
    const row = page.locator('tbody tr', { hasText: 'carol@corp.example' });
    assert.equal(await page.locator('tbody tr').count(), 1);
    assert.match(await row.innerText(), /locked/);
    await row.getByRole('button', { name: 'Unlock carol@corp.example' }).click();
    await page.waitForLoadState('domcontentloaded');
    assert.match(await page.getByRole('status').innerText(), /carol@corp\.example is unlocked/);
    assert.equal(await h.database.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst(), undefined);

    await page
      .locator('tbody tr', { hasText: 'carol@corp.example' })
      .getByRole('button', { name: /Reset password of/ })
      .click();
    await page.waitForLoadState('domcontentloaded');
    const password = await page.locator('.secret code').innerText();
    assert.ok(password.length >= 20);
    const login = await h.services.accounts.authenticate({ tenantId: 'e2e-a', email: 'carol@corp.example', password });
    assert.equal(login.ok, true);

    // A lost phone: the authenticator goes.
    const carol = await h.services.accounts.getUser('e2e-a', 'carol@corp.example');
    await h.database
      .insertInto('user_mfa')
      .values({ user_id: carol!.id, totp_secret_enc: 'sealed', confirmed_at: new Date(), recovery_codes: ['x'] })
      .execute();
    await page.goto(`${h.url}/admin/tenants/e2e-a/users`);
    assert.match(await page.locator('tbody tr', { hasText: 'carol@corp.example' }).innerText(), /authenticator/);
    await page.getByRole('button', { name: 'Reset MFA of carol@corp.example' }).click();
    await page.waitForLoadState('domcontentloaded');
    assert.match(await page.getByRole('status').innerText(), /authenticator is removed/);
    assert.equal(await h.database.selectFrom('user_mfa').selectAll().where('user_id', '=', carol!.id).executeTakeFirst(), undefined);

    await page.goto(`${h.url}/admin/tenants/e2e-a/users`);
    await page.locator('tbody tr', { hasText: 'carol@corp.example' }).getByRole('button', { name: 'Disable carol@corp.example' }).click();
    await page.waitForLoadState('domcontentloaded');
    assert.equal((await h.services.accounts.getUser('e2e-a', 'carol@corp.example'))?.disabled, true);
    assert.match(await page.locator('tbody tr', { hasText: 'carol@corp.example' }).innerText(), /disabled/);
  });

  await t.test('clients: allowed tenants and a rotated secret shown once (the old one stops working)', async () => {
    const svc = await h.services.clients.add({ name: 'Backend', kind: 'service', scopes: ['search'], allowedTenants: ['e2e-a'] });
    await page.goto(`${h.url}/admin/clients`);
    await page.getByRole('textbox', { name: `Allowed tenants of ${svc.clientId}` }).fill('e2e-a, globex');
    await page.getByRole('button', { name: `Save allowed tenants of ${svc.clientId}` }).click();
    await page.waitForLoadState('domcontentloaded');
    assert.deepEqual(
      (await h.database.selectFrom('oidc_clients').select('allowed_tenants').where('client_id', '=', svc.clientId).executeTakeFirst())?.allowed_tenants,
      ['e2e-a', 'globex'],
    );
    await page.getByRole('button', { name: `Rotate secret of ${svc.clientId}` }).click();
    await page.waitForLoadState('domcontentloaded');
    const secret = await page.locator('.secret code').innerText();
    const token = (s: string) =>
      fetch(`${h.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${svc.clientId}:${s}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'search', resource: `${h.url}/api` }),
      }).then((r) => r.status);
    assert.equal(await token(secret), 200);
    assert.equal(await token(svc.clientSecret!), 401);
    // With an overlap the secret it replaces keeps working for that long.
    await page.getByRole('combobox', { name: `Old secret of ${svc.clientId} keeps working for` }).selectOption({ label: 'old works 1 h' });
    await page.getByRole('button', { name: `Rotate secret of ${svc.clientId}` }).click();
    await page.waitForLoadState('domcontentloaded');
    assert.match(await page.locator('.secret').innerText(), /the old secret works until/);
    const third = await page.locator('.secret code').innerText();
    assert.equal(await token(third), 200);
    assert.equal(await token(secret), 200);
    // Reloading the page does not show the secret again.
    await page.goto(`${h.url}/admin/clients`);
    assert.equal(await page.locator('.secret').count(), 0);
  });

  await t.test('keys: rotate the signing key', async () => {
    const before = (await h.services.keys().list()).length;
    await page.goto(`${h.url}/admin/keys`);
    await page.getByRole('button', { name: 'Rotate key' }).click();
    await page.waitForURL(`${h.url}/admin/keys`);
    assert.match(await page.getByRole('status').innerText(), /New sig key/);
    assert.equal((await h.services.keys().list()).length, before + 1);
  });

  await t.test('a POST without the CSRF token is refused and changes nothing', async () => {
    const r = await page.request.post(`${h.url}/admin/tenants/e2e-a/disable`, { form: { x: '1' }, maxRedirects: 0 });
    assert.equal(r.status(), 403);
    assert.match(await r.text(), /csrf_failed/);
    const wrong = await page.request.post(`${h.url}/admin/tenants/e2e-a/disable`, { form: { _csrf: 'x'.repeat(43) }, maxRedirects: 0 });
    assert.equal(wrong.status(), 403);
    assert.equal((await h.services.tenants.get('e2e-a'))?.status, 'active');
  });

  // review3: NUL reached PostgreSQL (which refuses it in text) and answered 500.
  await t.test('NUL in a form field, a path or a query is a 400 naming the field, not a 500', async () => {
    const csrf = await csrfOf(page);
    const tries = [
      page.request.post(`${h.url}/admin/tenants/e2e-a/users/disable`, { form: { _csrf: csrf, email: 'a\0b@x.example' }, maxRedirects: 0 }),
      page.request.post(`${h.url}/admin/clients/a%00b/rotate-secret`, { form: { _csrf: csrf, overlapHours: '0' }, maxRedirects: 0 }),
      page.request.get(`${h.url}/admin/tenants/e2e-a/users?q=a%00b`, { maxRedirects: 0 }),
      page.request.get(`${h.url}/admin/audit?errorCode=%00`, { maxRedirects: 0 }),
    ];
    for (const r of await Promise.all(tries)) {
      assert.equal(r.status(), 400, r.url());
      assert.match(await r.text(), /must not contain NUL/);
    }
  });

  await t.test('disable and enable a tenant', async () => {
    await page.goto(`${h.url}/admin/tenants/e2e-a`);
    await page.getByRole('button', { name: 'Disable tenant' }).click();
    await page.waitForURL(`${h.url}/admin/tenants/e2e-a`);
    assert.equal((await h.services.tenants.get('e2e-a'))?.status, 'disabled');
    await page.getByRole('button', { name: 'Enable tenant' }).click();
    await page.waitForURL(`${h.url}/admin/tenants/e2e-a`);
    assert.equal((await h.services.tenants.get('e2e-a'))?.status, 'active');
  });

  await t.test('sign out ends the console session', async () => {
    const csrf = await csrfOf(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The provider asks whether to end its own sign-in session too, then comes back.
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${h.url}/admin/signed-out`);
    const again = await page.request.post(`${h.url}/admin/tenants/e2e-a/disable`, { form: { _csrf: csrf }, maxRedirects: 0 });
    assert.equal(again.status(), 401);
    const r = await page.goto(`${h.url}/admin/tenants`);
    assert.match(r!.url(), /\/interaction\//);
  });
  await context.close();
});

test('refusals: non-admin operators, a customer user in group admin, a tenant-limited administrator', { skip, timeout: 120_000 }, async (t) => {
  await t.test('an operator without the admin group', async () => {
    const context = await newContext(390);
    const { page, status } = await signIn(context, 'operators', 'plain@ops.example');
    assert.equal(status, 403);
    assert.match(await page.locator('main').innerText(), /not a tti-bridge administrator/);
    assert.equal((await context.cookies()).filter((c) => c.name === 'tti_console').length, 0);
    await context.close();
  });

  await t.test("a customer tenant's user whose groups include admin", async () => {
    const context = await newContext(1280);
    const { page, status } = await signIn(context, 'e2e-a', 'boss@corp.example');
    assert.equal(status, 403);
    assert.match(await page.locator('main').innerText(), /not a tti-bridge administrator/);
    // The provider still knows them; the console still refuses them.
    const r = await page.goto(`${h.url}/admin/tenants/e2e-a`);
    assert.equal(r!.status(), 403);
    await context.close();
  });

  await t.test('an administrator of e2e-a only', async () => {
    const context = await newContext(390);
    const { page, status } = await signIn(context, 'operators', 'limited@ops.example');
    assert.equal(status, 302);
    const list = await visit(page, '/admin/tenants', 'tenants-limited');
    assert.match(list, /e2e-a/);
    assert.doesNotMatch(list, /globex|operators/);
    assert.doesNotMatch(await page.locator('nav').innerText(), /Clients|Keys/);
    await visit(page, '/admin/tenants/e2e-a/users', 'users-limited');
    const csrf = await csrfOf(page);
    for (const path of [
      '/admin/tenants/globex',
      '/admin/tenants/globex/users',
      '/admin/tenants/globex/kit',
      '/admin/tenants/no-such-tenant',
      '/admin/audit?tenant=globex',
      '/admin/clients',
      '/admin/keys',
    ]) {
      const r = await page.goto(`${h.url}${path}`);
      assert.equal(r!.status(), 403, path);
    }
    for (const path of [
      '/admin/tenants/globex/disable',
      '/admin/tenants/globex/check',
      '/admin/tenants/globex/onboarding-link',
      '/admin/tenants/globex/users/unlock',
      '/admin/keys/rotate',
      '/admin/tenants',
    ]) {
      const r = await page.request.post(`${h.url}${path}`, { form: { _csrf: csrf, email: 'x@y.z', id: 'globex2', name: 'G', use: 'sig' }, maxRedirects: 0 });
      assert.equal(r.status(), 403, path);
    }
    assert.equal((await h.services.tenants.get('globex'))?.status, 'pending');
    assert.equal(await h.services.tenants.get('globex2'), null);
    // The audit trail shows only e2e-a's events.
    await page.goto(`${h.url}/admin/audit`);
    const tenantsShown = await page.locator('td[data-label="Tenant"]').allInnerTexts();
    assert.ok(
      tenantsShown.every((x) => x === 'e2e-a'),
      tenantsShown.join(','),
    );
    await context.close();
  });

  await t.test('losing the admin group ends access at the next request', async () => {
    const context = await newContext(1280);
    const { page } = await signIn(context, 'operators', 'limited@ops.example');
    const user = await h.services.accounts.getUser('operators', 'limited@ops.example');
    await h.database
      .updateTable('users')
      .set({ groups: ['support'], updated_at: new Date() })
      .where('id', '=', user!.id)
      .execute();
    const r = await page.goto(`${h.url}/admin/tenants/e2e-a`);
    assert.equal(r!.status(), 403);
    await h.database
      .updateTable('users')
      .set({ groups: ['admin:e2e-a'], updated_at: new Date() })
      .where('id', '=', user!.id)
      .execute();
    await context.close();
  });
});

test('hairpin: the console signs in when the server cannot reach its own public URL', { skip, timeout: 60_000 }, async () => {
  // ISSUER names a host only the browser can resolve (.invalid never resolves for the
  // server): the console's discovery and token requests must go to the listen address.
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://console.invalid:${port}`;
  const idp = await startTestIdp({ server, env: { ISSUER: issuer } });
  const remote = await launchChromium([`--host-resolver-rules=MAP console.invalid 127.0.0.1`]);
  try {
    await idp.services.tenants.add({ id: 'operators', name: 'Operators' });
    await idp.services.accounts.addUser({ tenantId: 'operators', email: 'root@ops.example', groups: ['admin'], password: PASSWORD });
    const page = await (await remote.newContext()).newPage();
    await page.goto(`${issuer}/admin`);
    await page.getByLabel('Email').fill('root@ops.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${issuer}/admin/tenants`);
    assert.match(await page.locator('main').innerText(), /operators/);
  } finally {
    await remote.close();
    await idp.stop();
  }
});
