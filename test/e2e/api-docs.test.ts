// The rendered API reference (/api/v1/docs) in headless Chromium, served by the real app:
// every operation of the served OpenAPI document appears with its anchor, the stylesheet
// loads under the strict CSP (no inline styles or scripts, nothing external), no console
// errors, readable at 390 px, navigable by headings and links. Screenshots go to test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { DOCS_CSP } from '../../src/broker/http/docs-page.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { ARTIFACTS, launchChromium, skip } from '../helpers/chromium.js';

let idp: TestIdp;
let browser: Browser;

before(async () => {
  idp = await startTestIdp();
  if (!skip) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await idp?.stop();
});

type Doc = Record<string, any>;
const operationsOf = (doc: Doc) =>
  Object.entries(doc.paths as Doc).flatMap(([path, item]) =>
    Object.entries(item as Doc).map(([method, op]) => ({ path, method: method.toUpperCase(), id: op.operationId as string, summary: op.summary as string })),
  );

test('the page and its stylesheet: strict CSP, no script, nothing external; the raw document stays', async () => {
  const page = await fetch(`${idp.issuer}/api/v1/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.equal(page.headers.get('content-security-policy'), DOCS_CSP);
  assert.match(DOCS_CSP, /default-src 'none'/);
  assert.doesNotMatch(DOCS_CSP, /unsafe-inline|script-src/);
  const html = await page.text();
  assert.doesNotMatch(html, /<script|<style|\sstyle=|\son\w+=/i, 'no scripts, inline styles or handlers');
  for (const [, url] of html.matchAll(/(?:href|src)="([^"#]+)"/g)) assert.ok(url!.startsWith('/api/v1/') || url === 'data:,', `same-origin link ${url}`);
  const css = await fetch(`${idp.issuer}/api/v1/docs/docs.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type')!, /^text\/css/);
  assert.doesNotMatch(await css.text(), /@import|url\(/, 'the stylesheet loads nothing');
  const raw = await fetch(`${idp.issuer}/api/v1/openapi.json`);
  assert.equal(raw.status, 200);
  assert.equal(((await raw.json()) as Doc).openapi, '3.1.0');
});

test('in Chromium: every operation with its anchor, styled, no console errors, readable at 390 px', { skip, timeout: 60_000 }, async () => {
  const doc = (await (await fetch(`${idp.issuer}/api/v1/openapi.json`)).json()) as Doc;
  const ops = operationsOf(doc);
  assert.ok(ops.length >= 9);
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(idp.issuer)) problems.push(`external request: ${r.url()}`);
    });
  };

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  watch(page);
  const res = await page.goto(`${idp.issuer}/api/v1/docs`);
  assert.equal(res?.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1);
  const nav = page.getByRole('navigation', { name: 'Operations' });
  for (const op of ops) {
    const article = page.locator(`article#${op.id}`);
    assert.equal(await article.count(), 1, `operation ${op.id} is on the page`);
    assert.equal(await article.getByRole('heading', { level: 3, name: op.summary }).count(), 1, `${op.id} heading`);
    assert.equal(await article.locator('.endpoint code').textContent(), op.path);
    assert.equal(await article.locator('.endpoint .method').textContent(), op.method);
    assert.equal(await nav.locator(`a[href="#${op.id}"]`).count(), 1, `${op.id} in the contents`);
  }
  assert.equal(await page.locator('article.operation').count(), ops.length);
  for (const tag of doc.tags as Doc[]) assert.equal(await page.getByRole('heading', { level: 2, name: tag.name }).count(), 1, `tag ${tag.name}`);
  // The served stylesheet applies (a CSP-blocked or missing one would leave the defaults).
  // (globalThis is the page's window inside evaluate; the tests compile without the DOM library.)
  assert.equal(await page.locator('article#search .method').evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor), 'rgb(36, 87, 197)');
  // Request and response examples are there and open.
  const search = page.locator('article#search');
  assert.match((await search.locator('details[open] pre').first().textContent()) ?? '', /"queryText"/);
  const example = search.locator('details', { has: page.getByText('Example: One page of results, more to follow') });
  assert.equal(await example.locator('pre').isVisible(), false);
  await example.locator('summary').click();
  assert.ok(await example.locator('pre').isVisible());
  assert.match((await example.locator('pre').textContent()) ?? '', /"documentId": "eng-kestrel-tvac"/);
  await page.screenshot({ path: `${ARTIFACTS}/api-docs.png`, fullPage: false });

  // Anchors: a contents link moves to the operation.
  await nav.locator('a[href="#checkTenant"]').click();
  await page.waitForURL(/#checkTenant$/);
  const top = await page.locator('article#checkTenant').evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 50, `scrolled to the operation (top ${top})`);

  // A phone: nothing wider than the viewport.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const small = await phone.newPage();
  watch(small);
  await small.goto(`${idp.issuer}/api/v1/docs#search`);
  const widths = await small.evaluate(() => ({
    doc: (globalThis as any).document.documentElement.scrollWidth as number,
    view: (globalThis as any).innerWidth as number,
  }));
  assert.ok(widths.doc <= widths.view, `no horizontal scrolling at 390 px (${widths.doc} > ${widths.view})`);
  await small.screenshot({ path: `${ARTIFACTS}/api-docs-390.png`, fullPage: false });
  await phone.close();
  await context.close();
  assert.deepEqual(problems, []);
});
