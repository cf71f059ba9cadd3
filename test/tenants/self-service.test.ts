// Tenant self-service through the real application and the AWS sandbox: the ISV makes a
// link (admin API), the customer's administrator opens it in Chromium at phone width,
// enters the five data-accessor details and a test user, and the live check decides
// whether the tenant turns active. Links are forged, expired, cross-site and reused here too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, skip } from '../helpers/chromium.js';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { e2eFixture, IDS } from '../broker/e2e-fixture.js';
import { createOnboardingLinks } from '../../src/tenants/onboarding-link.js';
import { fakeIo } from '../helpers/cli.js';
import { loadConfig } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';

const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789'; // test/helpers/idp.ts's
let h: Harness;
let browser: Browser | undefined;
let admin: { clientId: string; token: string };

/** What the customer types: the five values from "Information for data accessor". */
const customerValues = {
  qbusinessApplicationId: IDS.app,
  qbusinessRegion: 'us-east-1',
  retrieverId: IDS.retriever,
  idcApplicationArn: IDS.idcAppA,
  idcRegion: 'us-east-1',
};

/** A pending tenant as the ISV creates it: its role and (sandbox) endpoints, nothing of the customer's. */
async function pendingTenant(id: string): Promise<void> {
  const url = h.sandbox!.url;
  await h.tenants.add({ id, name: `Customer ${id}`, roleArn: IDS.role, stsEndpoint: url, ssoOidcEndpoint: url, qbusinessEndpoint: url });
}

async function linkFor(tenantId: string, body?: unknown, token = admin.token) {
  return h.api('POST', `/api/v1/admin/tenants/${tenantId}/onboarding-link`, { token, body });
}

before(async () => {
  h = await startBrokerHarness({ sandboxFixture: e2eFixture() });
  admin = await h.addService(['*'], ['admin']);
  // e2e-a is the tenant id the sandbox customer gave its data accessor.
  await pendingTenant('e2e-a');
  for (const name of ['alice', 'carol']) await h.addUser('e2e-a', `${name}@corp.example`);
  if (!skip) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await h.close();
});

async function fill(page: Page, values: Record<string, string>, email: string) {
  for (const [name, value] of Object.entries(values)) await page.locator(`#${name}`).fill(value);
  await page.locator('#testEmail').fill(email);
  await page.getByRole('button', { name: 'Save and run the check' }).click();
  await page.waitForLoadState('domcontentloaded');
}

test('the customer connects their tenant from the link: bad input, a failing check, then a passing one', { skip }, async () => {
  const made = await linkFor('e2e-a', { expiresInSeconds: 3600 });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.match(made.body.url, new RegExp(`^${h.url}/onboard\\?link=v1\\.`));
  assert.ok(Math.abs(Date.parse(made.body.expiresAt) - Date.now() - 3600_000) < 60_000);

  const context = await browser!.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const res = await page.goto(made.body.url);
  assert.equal(res!.status(), 200);
  assert.match(res!.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  const text = await page.locator('main').innerText();
  // What the customer must configure on their side: our issuer, audience and their tenant id.
  assert.ok(text.includes(h.url), 'issuer URL shown');
  assert.ok(text.includes('e2e-a'));
  assert.ok(text.includes(IDS.role), 'the data accessor principal (the ISV role) is shown');
  // Nothing overflows a phone screen.
  assert.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'no horizontal scroll at 390 px');
  await page.screenshot({ path: `${ARTIFACTS}/self-service-form.png`, fullPage: true });

  // A malformed ARN: the field says what is wrong, nothing is saved.
  await fill(page, { ...customerValues, idcApplicationArn: 'arn:aws:sso::1:application/nope' }, 'alice@corp.example');
  assert.equal(await page.locator('#idcApplicationArn').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#idcApplicationArn-error').innerText(), /Identity Center application ARN/);
  assert.equal((await h.tenants.get('e2e-a'))!.idcApplicationArn, null);

  // carol is not assigned to the data accessor: Identity Center refuses her; the tenant stays pending.
  await fill(page, customerValues, 'carol@corp.example');
  const failed = page.locator('ol.steps li.fail');
  assert.equal(await failed.count(), 1);
  assert.equal(await failed.getAttribute('data-step'), 'create_token');
  assert.match(await failed.innerText(), /identity_access_denied|assign/i);
  assert.equal((await h.tenants.get('e2e-a'))!.status, 'pending', 'a failed check does not activate the tenant');
  assert.equal((await h.tenants.get('e2e-a'))!.retrieverId, IDS.retriever, 'the details were saved for the next attempt');
  // The form keeps what was typed.
  assert.equal(await page.locator('#retrieverId').inputValue(), IDS.retriever);

  // alice is assigned: every step passes and the tenant turns active.
  await fill(page, customerValues, 'alice@corp.example');
  assert.match(await page.getByRole('status').first().innerText(), /connected/);
  const steps = await page.locator('ol.steps li').evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.className]));
  assert.deepEqual(
    steps.map((s) => s[0]),
    ['tenant', 'user', 'discovery', 'signing_key', 'assertion', 'assume_role', 'mint_assertion', 'create_token', 'assume_role_context', 'search'],
  );
  assert.ok(steps.every((s) => s[1] === 'pass'));
  assert.equal((await h.tenants.get('e2e-a'))!.status, 'active');
  await page.screenshot({ path: `${ARTIFACTS}/self-service-connected.png`, fullPage: true });

  // The tenant works for searches now, through the ordinary broker API.
  const svc = await h.addService(['e2e-a']);
  const alice = (await h.tenants.get('e2e-a'))!;
  assert.equal(alice.status, 'active');
  const user = await h.addUser('e2e-a', 'bob@corp.example');
  const search = await h.api('POST', '/api/v1/tenants/e2e-a/search', {
    token: svc.token,
    body: { queryText: 'project x status', user: { token: await h.issuer.userToken(user) } },
  });
  assert.equal(search.status, 200, JSON.stringify(search.body));

  // The link no longer offers a form once the tenant is connected.
  await page.goto(made.body.url);
  assert.equal(await page.locator('form').count(), 0);
  // (Failed resource loads are the favicon and the 400 answer to the bad form, on purpose.)
  assert.deepEqual(
    errors.filter((e) => !e.startsWith('Failed to load resource')),
    [],
    'no CSP or script errors',
  );
  await context.close();
});

test('a connected tenant cannot be changed through its old link', async () => {
  const before = await h.tenants.get('e2e-a');
  assert.equal(before!.status, 'active');
  const made = createOnboardingLinks({ secretKey: SECRET_KEY, issuer: h.url }).issue('e2e-a');
  const res = await fetch(made.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...customerValues, retrieverId: 'a1b2c3d4-5678-90ab-cdef-000000000000', testEmail: 'alice@corp.example' }),
  });
  assert.equal(res.status, 200);
  assert.equal((await h.tenants.get('e2e-a'))!.retrieverId, before!.retrieverId);
  // And the ISV cannot make new links for it.
  const again = await linkFor('e2e-a');
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'tenant_not_pending');
});

test('forged, tampered, expired and cross-site uses of a link are refused', async () => {
  await pendingTenant('e2e-forged');
  const links = createOnboardingLinks({ secretKey: SECRET_KEY, issuer: h.url });
  const good = new URL(links.issue('e2e-forged').url).searchParams.get('link')!;
  const page = (link: string, init?: RequestInit) => fetch(`${h.url}/onboard?link=${encodeURIComponent(link)}`, init);

  assert.equal((await page(good)).status, 200);
  // Signed with another key.
  const other = new URL(
    createOnboardingLinks({ secretKey: 'another-secret-key-0123456789abcdef012345', issuer: h.url }).issue('e2e-forged').url,
  ).searchParams.get('link')!;
  for (const bad of [
    other,
    '',
    'v1.x.y',
    `${good}x`,
    good.replace(/^v1\.[^.]+/, `v1.${Buffer.from(JSON.stringify({ t: 'e2e-a', exp: 9e9 })).toString('base64url')}`),
  ]) {
    const r = await page(bad);
    assert.equal(r.status, 404, bad);
    assert.match(await r.text(), /not valid/);
  }
  // Expired: made an hour ago for ten minutes.
  const old = createOnboardingLinks({ secretKey: SECRET_KEY, issuer: h.url, now: () => Date.now() - 3_600_000 });
  const expired = await page(new URL(old.issue('e2e-forged', 600).url).searchParams.get('link')!);
  assert.equal(expired.status, 410);
  assert.match(await expired.text(), /expired/);

  // A form posted from another site is refused before anything is saved.
  const cross = await page(good, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    body: new URLSearchParams({ ...customerValues, testEmail: 'alice@corp.example' }),
  });
  assert.equal(cross.status, 403);
  assert.equal((await h.tenants.get('e2e-forged'))!.qbusinessApplicationId, null);
  // A disabled tenant's link shows no form.
  await h.tenants.disable('e2e-forged');
  const disabled = await (await page(good)).text();
  assert.match(disabled, /disabled/);
  assert.doesNotMatch(disabled, /<form/);
});

test('links are made only by admins allowed the tenant, with a bounded lifetime', async () => {
  await pendingTenant('e2e-other');
  const limited = await h.addService(['e2e-a'], ['admin']);
  const refused = await linkFor('e2e-other', undefined, limited.token);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'tenant_not_allowed');
  const searcher = await h.addService(['*'], ['search']);
  assert.equal((await linkFor('e2e-other', undefined, searcher.token)).status, 403);
  for (const expiresInSeconds of [10, 90 * 86400, 'soon']) {
    const r = await linkFor('e2e-other', { expiresInSeconds });
    assert.equal(r.status, 400, String(expiresInSeconds));
    assert.equal(r.body.code, 'validation_failed');
  }
  assert.equal((await linkFor('missing-tenant')).status, 404);
  const ok = await linkFor('e2e-other');
  assert.equal(ok.status, 201);
  assert.ok(Math.abs(Date.parse(ok.body.expiresAt) - Date.now() - 7 * 86400_000) < 60_000, 'default 7 days');
  // A body sent chunked (no Content-Length) is read too: the lifetime asked for is the one given.
  const chunked = await fetch(`${h.url}/api/v1/admin/tenants/e2e-other/onboarding-link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    body: new Blob([JSON.stringify({ expiresInSeconds: 3600 })]).stream(),
    duplex: 'half',
  } as RequestInit);
  const made = (await chunked.json()) as { expiresAt: string };
  assert.equal(chunked.status, 201, JSON.stringify(made));
  assert.ok(Math.abs(Date.parse(made.expiresAt) - Date.now() - 3600_000) < 60_000, `one hour, not the default: ${made.expiresAt}`);
});

test('the CLI makes links the server accepts (tenants link)', async () => {
  await pendingTenant('e2e-cli');
  const config = loadConfig({ DATABASE_URL: 'postgres://unused', SECRET_KEY, ISSUER: h.url });
  const run = async (args: string[]) => {
    const { io, printed } = fakeIo();
    const code = await runCli(args, { io, deps: async () => buildDeps(config, h.database, {}) });
    return { code, ...printed };
  };
  const made = await run(['tenants', 'link', 'e2e-cli', '--expires-in', '2d', '--json']);
  assert.equal(made.code, 0, made.err);
  const { url, expiresAt } = JSON.parse(made.out);
  assert.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 2 * 86400_000) < 60_000);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Customer e2e-cli/);
  const bad = await run(['tenants', 'link', 'e2e-cli', '--expires-in', 'tomorrow']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /--expires-in/);
  const active = await run(['tenants', 'link', 'e2e-a']);
  assert.notEqual(active.code, 0);
  assert.match(active.err, /pending/);
});

test('hostile form values and links are client errors or failed checks, never a 500, and are shown escaped', async () => {
  await pendingTenant('e2e-fuzz');
  const link = createOnboardingLinks({ secretKey: SECRET_KEY, issuer: h.url }).issue('e2e-fuzz').url;
  const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
  const emails = ['a\u0000b@corp.example', `${'a'.repeat(300)}@corp.example`, 'é\u202e@corp.example', '"><script>x</script>@corp.example'];
  for (const testEmail of emails) {
    const r = await post({ ...customerValues, testEmail });
    const text = await r.text();
    assert.ok(r.status < 500, `${JSON.stringify(testEmail)}: ${r.status}`);
    assert.doesNotMatch(text, /<script>x/);
  }
  const fields = ['\u0000', 'x'.repeat(5000), '<img src=x onerror=alert(1)>'];
  for (const v of fields) {
    const r = await post({ ...customerValues, retrieverId: v, qbusinessRegion: v, testEmail: 'alice@corp.example' });
    assert.equal(r.status, 400, JSON.stringify(v.slice(0, 20)));
    assert.doesNotMatch(await r.text(), /<img src=x/);
  }
  // Odd query strings and bodies.
  for (const q of ['', '?link=', `?link=${'v1.'.repeat(1000)}`, '?link=a&link=b', '?link=%00', '?link=%E0%A4%A']) {
    assert.ok((await fetch(`${h.url}/onboard${q}`)).status < 500, q);
  }
  assert.equal((await post({}, { 'content-type': 'application/json' })).status, 415);
  assert.equal((await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a'.repeat(20_000) })).status, 413);
  assert.equal((await h.tenants.get('e2e-fuzz'))!.status, 'pending');
});
