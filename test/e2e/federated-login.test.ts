// Bring your own identity, in a real browser (headless Debian Chromium): the demo ISV app
// sends the user to tti-bridge, whose login page offers "Continue with Acme IdP"; a second
// node-oidc-provider plays the ISV's existing IdP (on another host name, as in real life),
// the user signs in there, and lands back in the demo app signed in with a tti-bridge ID
// token carrying the upstream's email, then searches the sandbox as that user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium, skip } from '../helpers/chromium.js';
import { startDemoService, type DemoService } from '../helpers/demo.js';
import { startUpstreamIdp, type UpstreamIdp } from '../helpers/upstream-idp.js';

let svc: DemoService;
let up: UpstreamIdp;
let browser: Browser;

before(async () => {
  if (skip) return;
  svc = await startDemoService();
  up = await startUpstreamIdp({
    clients: [{ client_id: 'tti-bridge', client_secret: 'acme-idp-secret', redirect_uris: [`${svc.issuer}/interaction/upstream/callback`] }],
    accounts: { 'acme-0001': { email: 'alice@example.com', email_verified: true, name: 'Alice (Acme IdP)', groups: ['engineering'] } },
  });
  await svc.idp.services.upstreams().add({
    id: 'acme-idp',
    displayName: 'Acme IdP',
    issuer: up.issuer,
    clientId: 'tti-bridge',
    clientSecret: 'acme-idp-secret',
    scopes: ['openid', 'email', 'profile', 'groups'],
    tenants: ['demo'],
    claimGroups: 'groups',
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await up?.stop();
  await svc?.stop();
});

test("sign-in through the ISV's own IdP lands in the demo app as the upstream's user", { skip, timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const start = async (upstreamSession: boolean) => {
    await page.goto(`${svc.issuer}/demo`);
    await page.getByRole('button', { name: 'Sign in with tti-bridge' }).click();
    await page.waitForURL(/\/interaction\//);
    await page.getByRole('button', { name: 'Continue with Acme IdP' }).click();
    if (upstreamSession) return; // the upstream remembers the user: straight back
    await page.waitForURL(`${up.issuer}/**`);
    await page.locator('input[name="login"]').fill('acme-0001');
    await page.locator('input[name="password"]').fill('whatever-the-idp-checks');
    await page.getByRole('button', { name: 'Sign-in' }).click();
  };

  // The demo's alice has a password: the upstream identity may not take her account over.
  await start(false);
  await page.waitForURL(`${svc.issuer}/interaction/upstream/callback**`);
  assert.match((await page.locator('[role="alert"]').textContent()) ?? '', /already exists in the workspace 'demo' with a password/);

  // The administrator removes the password, as the page says; the next sign-in links to her account.
  await svc.idp.services.accounts.removePassword('demo', 'alice@example.com');
  await start(true);
  await page.waitForURL(`${svc.issuer}/demo/search`);
  assert.match((await page.locator('nav[aria-label="Account"]').textContent()) ?? '', /alice@example\.com/);

  // The demo app's broker search as that user: her engineering documents from the sandbox.
  await page.getByLabel('Your question').fill('Kestrel-2 design test report');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForLoadState();
  const titles = await page.locator('ol.results h3 > span:first-child').allTextContents();
  assert.ok(titles.length > 0, 'results expected');
  const user = await svc.idp.services.accounts.getUser('demo', 'alice@example.com');
  assert.equal(user?.name, 'Alice (Acme IdP)');
  assert.equal(user?.hasPassword, false);
  await context.close();
});
