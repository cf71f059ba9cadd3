// Federated sign-in end to end over HTTP: the real app (startTestIdp) and a second
// node-oidc-provider playing the ISV's existing IdP. openid-client is the relying party at
// the bridge; the "browser" keeps cookies per host and posts the real forms. Proves the
// happy path (ID token with the upstream's email, the user provisioned just in time and
// linked by (upstream, sub)), the linking rules, and every refusal's page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startTestIdp, formAction, hiddenFields, type TestIdp } from '../helpers/idp.js';
import { discover, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';
import { startUpstreamIdp, HostBrowser, type UpstreamIdp } from '../helpers/upstream-idp.js';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { poolConfig } from '../../src/db/pool.js';
import { createFederatedUsers } from '../../src/federation/identity.js';

let idp: TestIdp;
let up: UpstreamIdp;
let rp: oidc.Configuration;

before(async () => {
  idp = await startTestIdp();
  up = await startUpstreamIdp({
    thinIdTokens: true, // the bridge then reads the profile at userinfo
    clients: [{ client_id: 'bridge', client_secret: 'bridge-secret', redirect_uris: [`${idp.issuer}/interaction/upstream/callback`] }],
    accounts: {
      'u-alice': { email: 'Alice@Acme.example', email_verified: true, name: 'Alice A', groups: ['eng'] },
      'u-unverified': { email: 'mallory@acme.example', email_verified: false },
      'u-bob': { email: 'bob@acme.example', email_verified: true, name: 'Bob' },
      'u-noemail': { email: '', email_verified: true },
      'u-org2': { email: 'dora@other.example', email_verified: true, org_id: 'org-2' },
      'u-org9': { email: 'erin@nowhere.example', email_verified: true, org_id: 'org-9' },
    },
  });
  await idp.services.tenants.add({ id: 'acme', name: 'Acme' });
  await idp.services.tenants.add({ id: 'other', name: 'Other' });
  await idp.services.upstreams().add({
    id: 'acme-idp',
    displayName: 'Acme IdP',
    issuer: up.issuer,
    clientId: 'bridge',
    clientSecret: 'bridge-secret',
    scopes: ['openid', 'email', 'profile', 'groups'],
    tenants: ['acme'],
    emailDomains: ['acme.example'],
    claimGroups: 'groups',
  });
  // Nothing listens on port 1: the upstream is "down".
  await idp.services.upstreams().add({ id: 'down-idp', displayName: 'Down IdP', issuer: 'http://127.0.0.1:1', clientId: 'x', tenants: ['acme'] });
  const web = await idp.services.clients.add({ name: 'Web app', kind: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
  rp = await discover(idp, web.clientId, web.clientSecret);
});
after(async () => {
  await idp?.stop();
  await up?.stop();
});

/** Our login page for an authorization request naming `tenant`, in a per-host browser. */
async function loginPage(tenant: string | null = 'acme') {
  const auth = await startAuthorization(rp, 'openid email profile tenant groups', tenant ? { tenant } : {});
  const browser = new HostBrowser();
  browser.jars.set('127.0.0.1', auth.browser.jar); // the bridge's cookies from the authorization request
  return { ...auth, browser, html: await auth.page.res!.text() };
}

/** Presses "Continue with <upstream>" (or posts the SSO form with `form`); returns the response. */
async function pressUpstream(p: Awaited<ReturnType<typeof loginPage>>, form: Record<string, string> = {}) {
  // The first "Continue with" button's form, or (with `form.upstream`) the same action with that upstream.
  const fields = { ...hiddenFields(p.html, '/login'), ...(/Continue with (?!single)/.test(p.html) ? hiddenFields(p.html, '/upstream') : {}), ...form };
  const url = new URL(formAction(p.html, '/login').replace(/\/login$/, '/upstream'), idp.issuer).toString();
  return p.browser.fetch(url, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** Full federated sign-in as upstream account `sub`; returns the last response and, when it reached the app, its tokens. */
async function federatedSignIn(sub: string, form: Record<string, string> = {}, tenant: string | null = 'acme') {
  const p = await loginPage(tenant);
  const toUpstream = await pressUpstream(p, form);
  assert.equal(toUpstream.status, 303, await toUpstream.clone().text());
  const location = toUpstream.headers.get('location')!;
  assert.ok(location.startsWith(`${up.issuer}/`), location);
  const upstreamLogin = await p.browser.follow(location, REDIRECT_URI);
  const end = await up.login(p.browser, upstreamLogin.res!, sub, REDIRECT_URI);
  if (!end.url.startsWith(REDIRECT_URI)) return { end, html: await end.res!.text() };
  const tokens = await oidc.authorizationCodeGrant(rp, new URL(end.url), { pkceCodeVerifier: p.verifier, expectedState: p.state });
  return { end, tokens, claims: tokens.claims()! };
}

test('"Continue with Acme IdP" signs in through the upstream: ID token with its email, user created and linked', async () => {
  const p = await loginPage();
  assert.match(p.html, /Continue with Acme IdP/);
  const first = await federatedSignIn('u-alice');
  assert.ok(first.claims, first.html);
  assert.equal(first.claims.email, 'alice@acme.example');
  assert.equal(first.claims.email_verified, true);
  assert.equal(first.claims.tenant_id, 'acme');
  assert.equal(first.claims.name, 'Alice A');
  assert.deepEqual(first.claims.groups, ['eng']);
  const user = await idp.services.accounts.getUser('acme', 'alice@acme.example');
  assert.equal(user?.id, first.claims.sub);
  assert.equal(user?.hasPassword, false);
  // The second sign-in lands on the same user (keyed by upstream and sub), refreshed from the upstream.
  up.accounts.get('u-alice')!.groups = ['eng', 'leads'];
  const second = await federatedSignIn('u-alice');
  assert.equal(second.claims!.sub, first.claims.sub);
  assert.deepEqual(second.claims!.groups, ['eng', 'leads']);
});

test('the tenant can come from a claim (an organisation id) through the mapping table', async () => {
  await idp.services.upstreams().add({
    id: 'org-idp',
    displayName: 'Org IdP',
    issuer: up.issuer,
    clientId: 'bridge',
    clientSecret: 'bridge-secret',
    scopes: ['openid', 'email', 'profile', 'org'],
    tenants: ['acme', 'other'],
    tenantClaim: 'org_id',
    tenantMap: { 'org-2': 'other' },
  });
  const ok = await federatedSignIn('u-org2', { upstream: 'org-idp' }, null);
  assert.equal(ok.claims?.tenant_id, 'other', ok.html);
  assert.equal(ok.claims?.email, 'dora@other.example');
  const unmapped = await federatedSignIn('u-org9', { upstream: 'org-idp' }, null);
  assert.equal(unmapped.end.res?.status, 403);
  assert.match(unmapped.html!, /No workspace for your organisation/);
  assert.match(unmapped.html!, /org-9/);
  // The application asked for acme, the claim says other: refused.
  const mismatch = await federatedSignIn('u-org2', { upstream: 'org-idp' });
  assert.equal(mismatch.end.res?.status, 403);
  assert.match(mismatch.html!, /Wrong workspace/);
});

test('the login page lists only the upstreams of the workspace the application named', async () => {
  const p = await loginPage('other');
  assert.doesNotMatch(p.html, /Acme IdP|Down IdP/);
  assert.match(p.html, /Continue with single sign-on/); // routing by email domain stays available
});

test('single sign-on routes by email domain', async () => {
  const p = await loginPage();
  const login = p.html; // post the password form's fields to the SSO action (its formaction)
  const fields = { ...hiddenFields(login, '/login'), tenant: '', email: 'someone@ACME.example', password: '' };
  const res = await p.browser.fetch(new URL(`/interaction/${/interaction\/([^/"]+)\/login/.exec(login)![1]}/upstream`, idp.issuer).toString(), {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(res.status, 303);
  assert.ok(res.headers.get('location')!.startsWith(`${up.issuer}/`));
  const url = new URL(res.headers.get('location')!);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(url.searchParams.get(p), p);
  assert.equal(url.searchParams.get('redirect_uri'), `${idp.issuer}/interaction/upstream/callback`);
  // The flow's state travels sealed in a short-lived cookie scripts cannot read.
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tti_upstream='))!;
  assert.match(cookie, /; Path=\/interaction\/; HttpOnly; SameSite=Lax; Max-Age=600/);
  assert.ok(!cookie.includes(url.searchParams.get('state')!), 'state sealed, not readable');
  // Without the page's CSRF token the form is refused.
  const forged = await p.browser.fetch(new URL(`/interaction/${/interaction\/([^/"]+)\/login/.exec(login)![1]}/upstream`, idp.issuer).toString(), {
    method: 'POST',
    body: new URLSearchParams({ ...fields, csrf: 'x' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(forged.status, 403);

  const unknownDomain = await p.browser.fetch(new URL(`/interaction/${/interaction\/([^/"]+)\/login/.exec(login)![1]}/upstream`, idp.issuer).toString(), {
    method: 'POST',
    body: new URLSearchParams({ ...fields, email: 'x@elsewhere.example' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(unknownDomain.status, 400);
  assert.match(await unknownDomain.text(), /No single sign-on is set up/);
});

test('an unverified upstream email is refused with a clear page', async () => {
  const r = await federatedSignIn('u-unverified');
  assert.equal(r.end.res?.status, 403);
  assert.match(r.html!, /Email address not verified/);
  assert.match(r.html!, /mallory@acme\.example is not verified/);
  assert.equal(await idp.services.accounts.getUser('acme', 'mallory@acme.example'), null);
});

test('an upstream identity never takes over a local account with a password', async () => {
  const local = await idp.services.accounts.addUser({ tenantId: 'acme', email: 'bob@acme.example', password: 'local-password-1' });
  const r = await federatedSignIn('u-bob');
  assert.equal(r.end.res?.status, 409);
  assert.match(r.html!, /Account already exists/);
  assert.match(r.html!, /cannot take it over/);
  assert.match(r.html!, /tti-bridge users remove-password bob@acme\.example --tenant acme/);
  // What the page tells the administrator to do works: the next sign-in links to the account.
  await idp.services.accounts.removePassword('acme', 'bob@acme.example');
  const linked = await federatedSignIn('u-bob');
  assert.equal(linked.claims?.sub, local.id);
});

test("an ID token for another audience is refused (re-signed with the upstream's real key)", async () => {
  up.tamper.idTokenClaims = { aud: 'someone-else' };
  try {
    const r = await federatedSignIn('u-alice');
    assert.equal(r.end.res?.status, 401);
    assert.match(r.html!, /Sign-in could not be verified/);
    assert.match(r.html!, /aud/);
  } finally {
    delete up.tamper.idTokenClaims;
  }
});

test('an ID token from another issuer is refused', async () => {
  up.tamper.idTokenClaims = { iss: 'https://evil.example' };
  try {
    const r = await federatedSignIn('u-alice');
    assert.equal(r.end.res?.status, 401);
    assert.match(r.html!, /iss/);
  } finally {
    delete up.tamper.idTokenClaims;
  }
});

test('no email from the upstream: refused, nothing created', async () => {
  const r = await federatedSignIn('u-noemail');
  assert.equal(r.end.res?.status, 401);
  assert.match(r.html!, /No email address/);
});

test('unknown upstream and an upstream that is down get clear pages', async () => {
  const p = await loginPage();
  const unknown = await pressUpstream(p, { upstream: 'nope' });
  assert.equal(unknown.status, 400);
  assert.match(await unknown.text(), /Unknown sign-in option/);
  const down = await pressUpstream(p, { upstream: 'down-idp' });
  assert.equal(down.status, 503);
  assert.ok(Number(down.headers.get('retry-after')) > 0);
  assert.match(await down.text(), /Down IdP \(down-idp\) cannot be reached right now/);
});

test('a callback without the flow cookie, or with a forged state, does not sign anyone in', async () => {
  const bare = await fetch(`${idp.issuer}/interaction/upstream/callback?code=x&state=y`, { redirect: 'manual' });
  assert.equal(bare.status, 400);
  assert.match(await bare.text(), /Sign-in expired/);
  // A real flow, but the code comes back with another state: openid-client refuses it.
  const p = await loginPage();
  const toUpstream = await pressUpstream(p);
  const upstreamLogin = await p.browser.follow(toUpstream.headers.get('location')!, REDIRECT_URI);
  const html = await upstreamLogin.res!.text();
  const action = html.match(/<form[^>]*action="([^"]+)"/)![1]!;
  const res = await p.browser.fetch(new URL(action, up.issuer).toString(), {
    method: 'POST',
    body: new URLSearchParams({ prompt: 'login', login: 'u-alice', password: 'x' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  let location = res.headers.get('location')!;
  let step = await p.browser.fetch(new URL(location, up.issuer).toString());
  while (step.status === 303 || step.status === 302) {
    location = new URL(step.headers.get('location')!, up.issuer).toString();
    if (location.startsWith(`${idp.issuer}/interaction/upstream/callback`)) break;
    step = await p.browser.fetch(location);
  }
  const forged = new URL(location);
  forged.searchParams.set('state', 'forged');
  const cb = await p.browser.fetch(forged.toString());
  assert.equal(cb.status, 401);
  assert.match(await cb.text(), /state/);
});

test('an upstream without a groups claim keeps the groups SCIM or the CLI gave the user', async () => {
  await idp.services
    .upstreams()
    .add({ id: 'plain-idp', displayName: 'Plain IdP', issuer: up.issuer, clientId: 'bridge', clientSecret: 'bridge-secret', tenants: ['other'] });
  up.accounts.set('u-carol', { email: 'carol@other.example', email_verified: true, name: 'Carol', groups: ['ignored'] });
  await idp.services.accounts.addUser({ tenantId: 'other', email: 'carol@other.example', groups: ['finance'], password: 'local-password-1' });
  await idp.services.accounts.removePassword('other', 'carol@other.example');
  for (let i = 0; i < 2; i += 1) {
    // linking, then a linked sign-in
    const r = await federatedSignIn('u-carol', { upstream: 'plain-idp' }, 'other');
    assert.equal(r.claims?.tenant_id, 'other', r.html);
    assert.deepEqual((await idp.services.accounts.getUser('other', 'carol@other.example'))?.groups, ['finance']);
  }
});

test('two first sign-ins at once through different upstreams link an existing account at most once', async () => {
  assert.ok(idp.config.DATABASE_URL);
  const pool = new pg.Pool(poolConfig(idp.config.DATABASE_URL));
  try {
    const users = createFederatedUsers(createDatabase(pool));
    for (const id of ['twin-1', 'twin-2']) {
      await idp.services.upstreams().add({ id, displayName: id, issuer: up.issuer, clientId: 'bridge', clientSecret: 'bridge-secret', tenants: ['acme'] });
    }
    const [one, two] = await Promise.all(['twin-1', 'twin-2'].map((id) => idp.services.upstreams().row(id)));
    for (let round = 0; round < 3; round += 1) {
      const email = `twin${round}@acme.example`;
      const local = await idp.services.accounts.addUser({ tenantId: 'acme', email, password: 'local-password-1' });
      await idp.services.accounts.removePassword('acme', email);
      const identity = (subject: string) => ({ subject, email, name: null, groups: [], tenantId: 'acme' });
      const results = await Promise.allSettled([users.signIn(one!, identity(`a${round}`)), users.signIn(two!, identity(`b${round}`))]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      assert.equal(ok.length, 1, JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason?.code) : 'linked'))));
      assert.equal((ok[0] as PromiseFulfilledResult<{ id: string }>).value.id, local.id);
      assert.equal(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as { code: string }).code, 'account_linked_elsewhere');
    }
    // The same identity twice at once (two tabs) is one link, and both sign in.
    const email = 'twin-tabs@acme.example';
    const local = await idp.services.accounts.addUser({ tenantId: 'acme', email, password: 'local-password-1' });
    await idp.services.accounts.removePassword('acme', email);
    const same = { subject: 'tabs', email, name: null, groups: [], tenantId: 'acme' };
    const both = await Promise.all([users.signIn(one!, same), users.signIn(one!, same)]);
    assert.deepEqual(
      both.map((u) => u.id),
      [local.id, local.id],
    );
  } finally {
    await pool.end();
  }
});
