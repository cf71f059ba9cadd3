// Item 13 of issue 9: the login and consent forms carry a CSRF token bound to the
// interaction; cancelling is POST-only; the provider's logout auto-submit page has a CSP
// that allows exactly its own inline script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { formAction, hiddenFields, startTestIdp, type TestIdp } from '../helpers/idp.js';
import { discover, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';

let idp: TestIdp;
let config: Awaited<ReturnType<typeof discover>>;
const alice = { tenant: 'acme', email: 'alice@acme.test', password: 'correct horse battery' };

before(async () => {
  idp = await startTestIdp();
  await idp.services.tenants.add({ id: 'acme', name: 'Acme' });
  await idp.services.accounts.addUser({ tenantId: 'acme', email: alice.email, password: alice.password });
  const web = await idp.services.clients.add({ name: 'Web RP', kind: 'web', redirectUris: [REDIRECT_URI] });
  config = await discover(idp, web.clientId, web.clientSecret);
});
after(() => idp.stop());

const post = (
  browser: { postForm: (u: string, f: Record<string, string>, s: string) => Promise<{ url: string; res?: Response }> },
  html: string,
  suffix: string,
  form: Record<string, string>,
) => browser.postForm(new URL(formAction(html, suffix), idp.issuer).toString(), form, REDIRECT_URI);

test("a login POST without the form's CSRF token, or with another interaction's, is refused with a 403 page", async () => {
  const { browser, page } = await startAuthorization(config);
  const html = await page.res!.text();
  const missing = await post(browser, html, '/login', alice);
  assert.equal(missing.res?.status, 403);
  assert.match(missing.res!.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await missing.res!.text(), /security token is missing or wrong/);

  const other = await startAuthorization(config);
  const otherToken = hiddenFields(await other.page.res!.text(), '/login').csrf!;
  assert.ok(otherToken);
  const foreign = await post(browser, html, '/login', { ...alice, csrf: otherToken });
  assert.equal(foreign.res?.status, 403, 'a token is bound to its interaction');

  const ok = await post(browser, html, '/login', { ...hiddenFields(html, '/login'), ...alice });
  assert.equal(ok.res?.status, 200, 'with the token the login succeeds (consent page follows)');
  const consent = await ok.res!.text();
  assert.match(consent, /Allow access/);
  const noToken = await post(browser, consent, '/confirm', {});
  assert.equal(noToken.res?.status, 403, 'consent needs the token too');
  const allowed = await post(browser, consent, '/confirm', hiddenFields(consent, '/confirm'));
  assert.ok(allowed.url.startsWith(REDIRECT_URI) && new URL(allowed.url).searchParams.get('code'));
});

test('cancel is POST-only and needs the token: a plain link does not end the sign-in', async () => {
  const { browser, page } = await startAuthorization(config);
  const html = await page.res!.text();
  const abortUrl = new URL(formAction(html, '/abort'), idp.issuer).toString();
  const viaLink = await browser.fetch(abortUrl);
  await viaLink.text();
  assert.ok(viaLink.status >= 400 && viaLink.status < 500, `GET abort answered ${viaLink.status}`);
  assert.equal(viaLink.headers.get('location'), null, 'no redirect back to the client');
  const forged = await post(browser, html, '/abort', {});
  assert.equal(forged.res?.status, 403);
  // The sign-in is still alive: the real login works.
  const ok = await post(browser, html, '/login', { ...hiddenFields(html, '/login'), ...alice });
  assert.equal(ok.res?.status, 200);
  const consent = await ok.res!.text();
  const denied = await post(browser, consent, '/abort', hiddenFields(consent, '/abort'));
  assert.equal(new URL(denied.url).searchParams.get('error'), 'access_denied');
});

test('the logout auto-submit page (no session) has a strict CSP allowing only its own inline script', async () => {
  const res = await fetch(`${idp.issuer}/session/end`);
  const html = await res.text();
  assert.equal(res.status, 200);
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(script, 'the page auto-submits with an inline script');
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.ok(csp, 'the page has a Content-Security-Policy');
  const directives = Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], [`'sha256-${createHash('sha256').update(script).digest('base64')}'`], 'only this script may run');
  assert.deepEqual(directives['frame-ancestors'], ["'none'"]);
});

// review3: PostgreSQL refuses NUL in text; the login page answered 500 for it.
test('NUL in the workspace or email is a wrong sign-in (401 page), not a 500', async () => {
  for (const f of [
    { tenant: 'acme', email: 'alice\0@acme.test' },
    { tenant: 'ac\0me', email: alice.email },
  ]) {
    const { browser, page } = await startAuthorization(config);
    const html = await page.res!.text();
    const res = await post(browser, html, '/login', { ...hiddenFields(html, '/login'), password: alice.password, ...f });
    assert.equal(res.res?.status, 401, JSON.stringify(f));
    assert.match(await res.res!.text(), /workspace, email or password is not correct/);
  }
});
