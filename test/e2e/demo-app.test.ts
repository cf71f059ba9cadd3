// The demo ISV app in a real browser (headless Debian Chromium driven by playwright-core)
// against the whole zero-config service: provider, broker API, AWS sandbox. Each demo
// user signs in through the real login page in their own browser context and searches;
// what each may see comes from the fixture's document ACLs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadFixture, DEMO_FIXTURE_PATH } from '../../src/sandbox/index.js';
import { DEMO_PASSWORD } from '../../src/demo/seed.js';
import { startDemoService, type DemoService } from '../helpers/demo.js';
import { ARTIFACTS, launchChromium, skip } from '../helpers/chromium.js';

// Titles by audience, from the fixture itself so the test follows the corpus.
const docs = loadFixture(DEMO_FIXTURE_PATH, { ISSUER: 'http://x', DATA_ACCESSOR_CLIENT_ID: 'x' }).applications[0]!.documents;
const titlesFor = (group: string) => docs.filter((d) => d.acl?.groups?.includes(group)).map((d) => d.title);
const ENGINEERING = titlesFor('engineering');
const SALES = titlesFor('sales');

let svc: DemoService;
let browser: Browser;

before(async () => {
  if (skip) return;
  svc = await startDemoService();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await svc?.stop();
});

async function signIn(context: BrowserContext, email: string, screenshots = false): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${svc.issuer}/demo`);
  if (screenshots) await page.screenshot({ path: `${ARTIFACTS}/demo-home.png`, fullPage: true });
  await page.getByRole('button', { name: 'Sign in with tti-bridge' }).click();
  await page.waitForURL(/\/interaction\//);
  // The app passed tenant=demo: the workspace is prefilled.
  assert.equal(await page.getByLabel('Workspace').inputValue(), 'demo');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  if (screenshots) await page.screenshot({ path: `${ARTIFACTS}/demo-login.png`, fullPage: true });
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${svc.issuer}/demo/search`);
  return page;
}

async function search(page: Page, q: string) {
  await page.getByLabel('Your question').fill(q);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForLoadState();
  const titles = await page.locator('ol.results h3 > span:first-child').allTextContents();
  const mode = await page
    .locator('#flow-mode')
    .textContent()
    .catch(() => null);
  return { titles, mode: mode ?? '' };
}

test('demo ISV app: sign-in, per-user search results, exchange panel, sign-out', { skip, timeout: 180_000 }, async (t) => {
  await t.test('alice (engineering) sees engineering documents and no sales-only ones', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await signIn(context, 'alice@example.com', true);
    assert.match((await page.locator('nav[aria-label="Account"]').textContent()) ?? '', /alice@example\.com/);

    const first = await search(page, 'Kestrel-2 design test report');
    assert.ok(
      first.titles.some((x) => ENGINEERING.includes(x)),
      `engineering titles expected, got ${first.titles.join(' | ')}`,
    );
    assert.deepEqual(
      first.titles.filter((x) => SALES.includes(x)),
      [],
    );
    assert.match(first.mode, /Fresh exchange/);
    const panel = (await page.locator('aside').textContent()) ?? '';
    for (const call of ['sts:AssumeRole', 'sso-oauth:CreateTokenWithIAM', 'qbusiness:SearchRelevantContent'])
      assert.ok(panel.includes(call), `panel names ${call}`);
    // Each result shows a title, a snippet, a source and a confidence.
    const item = page.locator('ol.results li').first();
    assert.ok((await item.locator('p').first().textContent())!.length > 20);
    assert.equal(await item.locator('.source').count(), 1);
    await page.screenshot({ path: `${ARTIFACTS}/demo-results-alice.png`, fullPage: true });

    // A second search reuses the cached identity-aware credentials.
    const second = await search(page, 'on-call rotation');
    assert.ok(second.titles.includes('Engineering on-call handbook'), second.titles.join(' | '));
    assert.match(second.mode, /Cached credentials reused/);
    await page.screenshot({ path: `${ARTIFACTS}/demo-results-alice-cached.png`, fullPage: true });

    // Nothing token-like reaches the browser; the session cookie is HttpOnly and Lax.
    assert.doesNotMatch(await page.content(), /eyJ[\w-]+\.[\w-]+\./);
    const sid = (await context.cookies()).find((c) => c.name === 'demo_sid');
    assert.ok(sid?.httpOnly && sid.sameSite === 'Lax' && sid.path === '/demo' && !/^eyJ/.test(sid.value));

    // A POST without the session's CSRF token is refused.
    const forged = await context.request.post(`${svc.issuer}/demo/search`, { form: { q: 'x' }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);

    // RP-initiated logout: the provider confirms, then sends the browser back to /demo.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${svc.issuer}/demo`);
    await page.getByRole('button', { name: 'Sign in with tti-bridge' }).waitFor();
    await page.goto(`${svc.issuer}/demo/search`);
    assert.equal(page.url(), `${svc.issuer}/demo`);
    await context.close();
  });

  await t.test('bob (sales) sees sales documents and no engineering-only ones', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await signIn(context, 'bob@example.com');
    const { titles, mode } = await search(page, 'Kestrel-2 design test report price');
    assert.ok(
      titles.some((x) => SALES.includes(x)),
      `sales titles expected, got ${titles.join(' | ')}`,
    );
    assert.deepEqual(
      titles.filter((x) => ENGINEERING.includes(x)),
      [],
    );
    assert.match(mode, /Fresh exchange/);
    await page.screenshot({ path: `${ARTIFACTS}/demo-results-bob.png`, fullPage: true });
    await context.close();
  });

  await t.test('carol (not assigned) sees the API error and the failing step', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await signIn(context, 'carol@example.com');
    const { titles } = await search(page, 'parental leave');
    assert.deepEqual(titles, []);
    const alert = (await page.getByRole('alert').textContent()) ?? '';
    assert.match(alert, /Identity access denied/);
    // The panel shows the exchange stopping at CreateTokenWithIAM with the broker's error code.
    const failedRow = page.locator('aside tbody tr', { has: page.locator('td.fail') });
    assert.equal(await failedRow.count(), 1);
    assert.match((await failedRow.textContent()) ?? '', /sso-oauth:CreateTokenWithIAM[\s\S]*identity_access_denied/);
    await page.screenshot({ path: `${ARTIFACTS}/demo-error-carol.png`, fullPage: true });
    await context.close();
  });
});
