// Two-step sign-in enrolment in a real browser (headless Chromium via playwright-core): the
// QR code renders under the pages' Content-Security-Policy, the typed code turns it on, the
// recovery codes are shown once, and the relying party (openid-client) gets amr pwd+otp.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium, skip } from '../helpers/chromium.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { discover, REDIRECT_URI } from '../helpers/rp.js';
import QRCode from 'qrcode';
import { totpCode, totpUri } from '../../src/accounts/totp.js';

let idp: TestIdp;
let browser: Browser;
before(async () => {
  if (skip) return;
  idp = await startTestIdp();
  await idp.services.tenants.add({ id: 'secure', name: 'Secure Co', mfaPolicy: 'required' });
  await idp.services.accounts.addUser({ tenantId: 'secure', email: 'eve@secure.test', password: 'correct horse battery' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await idp?.stop();
});

test('enrolment page shows a scannable QR code; the code from it completes the sign-in', { skip, timeout: 60_000 }, async () => {
  const client = await idp.services.clients.add({ name: 'Browser RP', kind: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
  const config = await discover(idp, client.clientId, client.clientSecret);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });

  const context = await browser.newContext();
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  // The relying party's callback: answered here, so the browser stops on it.
  await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, body: 'callback' }));

  await page.goto(authUrl.toString());
  await page.getByLabel('Workspace').fill('secure');
  await page.getByLabel('Email').fill('eve@secure.test');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  await page.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
  const qr = page.locator('#totp-qr');
  await qr.waitFor();
  const size = await qr.evaluate((img: { naturalWidth: number; naturalHeight: number; complete: boolean }) => ({
    w: img.naturalWidth,
    h: img.naturalHeight,
    complete: img.complete,
  }));
  assert.ok(size.complete && size.w > 0 && size.h > 0, `the QR code image rendered (${JSON.stringify(size)})`);
  assert.deepEqual(cspViolations, []);
  await page.screenshot({ path: `${ARTIFACTS}/mfa-enrol.png`, fullPage: true });

  const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
  // The QR code is the otpauth URI an app expects: the typed key, the tenant as issuer, the email as account.
  const uri = totpUri(secret, 'Secure Co', 'eve@secure.test');
  assert.match(uri, new RegExp(`^otpauth://totp/Secure%20Co:eve%40secure\\.test\\?issuer=Secure%20Co&secret=${secret}&algorithm=SHA1&digits=6&period=30$`));
  const expectedSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  assert.equal(await qr.getAttribute('src'), `data:image/svg+xml;base64,${Buffer.from(expectedSvg).toString('base64')}`);
  await page.getByLabel('Code from the app').fill(totpCode(secret, Date.now()));
  await page.getByRole('button', { name: 'Turn on' }).click();

  const codes = await page.locator('#recovery-codes li').allTextContents();
  assert.equal(codes.length, 10);
  await page.screenshot({ path: `${ARTIFACTS}/mfa-recovery-codes.png`, fullPage: true });
  await page.getByRole('button', { name: /I have saved them/ }).click();
  await page.waitForURL(`${REDIRECT_URI}**`);

  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
  assert.deepEqual(tokens.claims()!.amr, ['pwd', 'otp']);
  assert.equal(tokens.claims()!.email, 'eve@secure.test');
  await context.close();
});
