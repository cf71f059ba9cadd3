// Two-step sign-in through the real login pages, with openid-client as the relying party:
// enrolment, codes, replay, lockout, recovery codes, policy, SSO sessions, admin reset and
// what is stored at rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startTestIdp, formAction, hiddenFields, type Browser, type TestIdp } from '../helpers/idp.js';
import { discover, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';
import { totpCode } from '../../src/accounts/totp.js';
import { signPending } from '../../src/idp/interactions.js';

let idp: TestIdp;
const logs: string[] = [];
let config: oidc.Configuration;
let clientId: string;
// The services' clock runs ahead in 30 s steps so each sign-in can use a fresh TOTP step.
let offset = 0;
const clock = () => Date.now() + offset;
const nextStep = () => {
  offset += 30_000;
};
const PASSWORD = 'correct horse battery';

before(async () => {
  idp = await startTestIdp({ now: clock, env: { LOGIN_MAX_FAILURES_ACCOUNT: '3' }, logs });
  for (const [id, mfaPolicy] of [
    ['req', 'required'],
    ['opt', 'optional'],
    ['off', 'off'],
  ] as const) {
    await idp.services.tenants.add({ id, name: `Tenant ${id}`, mfaPolicy });
  }
  const client = await idp.services.clients.add({ name: 'Web RP', kind: 'web', redirectUris: [REDIRECT_URI] });
  clientId = client.clientId;
  config = await discover(idp, client.clientId, client.clientSecret);
});
after(() => idp.stop());

const url = (path: string) => new URL(path, idp.issuer).toString();
/** The user's user_mfa row as stored. */
const mfaRow = (userId: string) => idp.database.selectFrom('user_mfa').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();

interface Flow {
  browser: Browser;
  verifier: string;
  state: string;
  html: string;
  status: number;
  done?: string;
}

/** Starts an authorization (optionally in an existing browser, i.e. with its session) and posts the password. */
async function password(tenant: string, email: string, browser?: Browser): Promise<Flow> {
  let start: { browser: Browser; verifier: string; state: string; page: { url: string; res?: Response } };
  if (browser) {
    // A new authorization in a browser that may already hold a session (single sign-on).
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const auth = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    start = { browser, verifier, state, page: await browser.follow(auth.toString(), REDIRECT_URI) };
  } else start = await startAuthorization(config);
  const { page } = start;
  const b = start.browser;
  const flow: Flow = { browser: b, verifier: start.verifier, state: start.state, html: '', status: 0 };
  if (!page.res) return { ...flow, status: 302, done: page.url };
  const login = await page.res.text();
  if (!login.includes('/login"')) return settle(flow, { url: page.url, res: new Response(login, { status: page.res.status }) });
  const step = await b.postForm(url(formAction(login, '/login')), { ...hiddenFields(login, '/login'), tenant, email, password: PASSWORD }, REDIRECT_URI);
  return settle(flow, step);
}

/** Records where a step ended: a page (html, status) or the client's callback (done). */
async function settle(flow: Flow, step: { url: string; res?: Response }): Promise<Flow> {
  if (!step.res) return { ...flow, done: step.url, html: '', status: 302 };
  const html = await step.res.text();
  if (step.res.status === 200 && html.includes('/confirm"')) {
    const next = await flow.browser.postForm(url(formAction(html, '/confirm')), hiddenFields(html, '/confirm'), REDIRECT_URI);
    return settle(flow, next);
  }
  return { ...flow, html, status: step.res.status, done: undefined };
}

async function post(flow: Flow, suffix: string, fields: Record<string, string> = {}): Promise<Flow> {
  const step = await flow.browser.postForm(url(formAction(flow.html, suffix)), { ...hiddenFields(flow.html, suffix), ...fields }, REDIRECT_URI);
  return settle(flow, step);
}

async function idToken(flow: Flow) {
  assert.ok(flow.done?.startsWith(REDIRECT_URI), `reached the client (status ${flow.status}: ${flow.html.slice(0, 300)})`);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(flow.done!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
  const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { issuer: idp.issuer, audience: clientId });
  return payload;
}

const secretOf = (html: string) => html.match(/<code id="totp-secret">([^<]+)<\/code>/)![1]!.replace(/\s/g, '');
const codesOf = (html: string) => [...html.matchAll(/<li>([a-z0-9]{5}-[a-z0-9]{5})<\/li>/g)].map((m) => m[1]!);

/** Enrols a new user of tenant `req` through the pages; returns the secret and recovery codes. */
async function enrolled(email: string) {
  await idp.services.accounts.addUser({ tenantId: 'req', email, password: PASSWORD });
  let flow = await password('req', email);
  const secret = secretOf(flow.html);
  flow = await post(flow, '/mfa/enrol', { code: totpCode(secret, clock()) });
  const codes = codesOf(flow.html);
  flow = await post(flow, '/mfa/done');
  return { secret, codes, flow };
}

test('policy required: enrolment with a QR code, then every sign-in needs a code; amr says so', async () => {
  const email = 'rita@req.test';
  await idp.services.accounts.addUser({ tenantId: 'req', email, password: PASSWORD });
  let flow = await password('req', email);
  assert.equal(flow.status, 200);
  assert.match(flow.html, /<img id="totp-qr" src="data:image\/svg\+xml;base64,/);
  const secret = secretOf(flow.html);
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.doesNotMatch(flow.html, /\/mfa\/skip/, 'required: no way to skip');

  flow = await post(flow, '/mfa/enrol', { code: '000000' === totpCode(secret, clock()) ? '111111' : '000000' });
  assert.equal(flow.status, 401, 'a wrong first code does not turn it on');
  assert.match(flow.html, /not correct/);
  assert.equal(secretOf(flow.html), secret, 'the same secret stays on offer');

  flow = await post(flow, '/mfa/enrol', { code: totpCode(secret, clock()) });
  const codes = codesOf(flow.html);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  const first = await idToken(await post(flow, '/mfa/done'));
  assert.deepEqual(first.amr, ['pwd', 'otp']);

  // At rest: the secret sealed, the recovery codes hashed.
  const user = (await idp.services.accounts.getUser('req', email))!;
  const row = await mfaRow(user.id);
  assert.ok(!row.totp_secret_enc.includes(secret) && row.totp_secret_enc.startsWith('v1.'));
  assert.equal(row.recovery_codes.length, 10);
  for (const c of codes) assert.ok(!row.recovery_codes.some((h) => h.includes(c) || h.includes(c.replace('-', ''))));

  // Next sign-in: the password alone does not reach the client.
  nextStep();
  flow = await password('req', email);
  assert.equal(flow.status, 200);
  assert.equal(flow.done, undefined);
  assert.match(flow.html, /Enter your code/);
  const noCode = await post(flow, '/mfa', { code: '' });
  assert.equal(noCode.status, 401);
  assert.equal(noCode.done, undefined, 'without the code the sign-in is refused');
  const payload = await idToken(await post(noCode, '/mfa', { code: totpCode(secret, clock()) }));
  assert.deepEqual(payload.amr, ['pwd', 'otp']);
  assert.equal(payload.email, email);
});

test('a used code cannot be used again (replay), even from another sign-in', async () => {
  const { secret } = await enrolled('rex@req.test');
  nextStep();
  const code = totpCode(secret, clock());
  const a = await password('req', 'rex@req.test');
  const b = await password('req', 'rex@req.test');
  assert.deepEqual((await idToken(await post(a, '/mfa', { code }))).amr, ['pwd', 'otp']);
  const replay = await post(b, '/mfa', { code });
  assert.equal(replay.status, 401);
  assert.match(replay.html, /already used/);
  // The code of the step before is refused too: it is older than the one accepted.
  const older = await post(replay, '/mfa', { code: totpCode(secret, clock() - 30_000) });
  assert.equal(older.status, 401);
});

test('two identical codes sent at once: exactly one succeeds', async () => {
  const { secret } = await enrolled('twin@req.test');
  nextStep();
  const code = totpCode(secret, clock());
  const flows = await Promise.all([password('req', 'twin@req.test'), password('req', 'twin@req.test')]);
  const results = await Promise.all(flows.map((f) => post(f, '/mfa', { code })));
  assert.deepEqual(results.map((r) => Boolean(r.done)).sort(), [false, true]);
});

test('wrong codes lock the second step (LOGIN_MAX_FAILURES_ACCOUNT), even for the right code', async () => {
  const { secret } = await enrolled('lou@req.test');
  nextStep();
  let flow = await password('req', 'lou@req.test');
  const wrong = totpCode(secret, clock()) === '123456' ? '654321' : '123456';
  for (let i = 0; i < 3; i++) flow = await post(flow, '/mfa', { code: wrong });
  const locked = await post(flow, '/mfa', { code: totpCode(secret, clock()) });
  assert.equal(locked.status, 429);
  assert.equal(locked.done, undefined);
  assert.match(locked.html, /Too many wrong codes/);
  // The lock ends with LOGIN_LOCK_SECONDS.
  offset += idp.config.LOGIN_LOCK_SECONDS * 1000 + 30_000;
  const later = await password('req', 'lou@req.test');
  assert.deepEqual((await idToken(await post(later, '/mfa', { code: totpCode(secret, clock()) }))).amr, ['pwd', 'otp']);
});

test('a recovery code signs in once', async () => {
  const { codes } = await enrolled('rob@req.test');
  const flow = await password('req', 'rob@req.test');
  const payload = await idToken(await post(flow, '/mfa', { code: codes[3]!.toUpperCase() }));
  assert.deepEqual(payload.amr, ['pwd', 'mfa']);
  const again = await post(await password('req', 'rob@req.test'), '/mfa', { code: codes[3]! });
  assert.equal(again.status, 401);
  const user = (await idp.services.accounts.getUser('req', 'rob@req.test'))!;
  assert.equal((await mfaRow(user.id)).recovery_codes.length, 9);
});

test('the second step cannot be skipped: no resume without it, no forged or foreign pending token', async () => {
  await enrolled('sam@req.test');
  nextStep();
  const flow = await password('req', 'sam@req.test');
  // Going back to the interaction shows the login page again: nothing was finished.
  const uid = formAction(flow.html, '/mfa').split('/')[2]!;
  const back = await flow.browser.follow(url(`/interaction/${uid}`), REDIRECT_URI);
  assert.match(await back.res!.text(), /action="\/interaction\/[^"]+\/login"/);
  // A pending token signed with another key, or for another interaction, is refused.
  const user = (await idp.services.accounts.getUser('req', 'sam@req.test'))!;
  for (const pending of [
    signPending('another-secret-key-0123456789abcdef0123', { uid, sub: user.id, stage: 'otp', exp: Date.now() + 60_000 }),
    signPending(idp.config.SECRET_KEY!, { uid: 'other-interaction', sub: user.id, stage: 'otp', exp: Date.now() + 60_000 }),
    signPending(idp.config.SECRET_KEY!, { uid, sub: user.id, stage: 'otp', exp: clock() - 1 }),
  ]) {
    const forged = await flow.browser.postForm(url(`/interaction/${uid}/mfa/done`), { ...hiddenFields(flow.html, '/mfa'), pending }, REDIRECT_URI);
    assert.equal(forged.res?.status, 400);
    assert.match(await forged.res!.text(), /Sign in again/);
  }
  // The password-stage token cannot finish through /done either.
  const early = await post({ ...flow, html: flow.html.replace('/mfa"', '/mfa/done"') }, '/mfa/done');
  assert.equal(early.status, 400);
});

test('policy optional: enrolment offered and skippable; off: no second step', async () => {
  await idp.services.accounts.addUser({ tenantId: 'opt', email: 'olga@opt.test', password: PASSWORD });
  const flow = await password('opt', 'olga@opt.test');
  assert.match(flow.html, /totp-qr/);
  assert.deepEqual((await idToken(await post(flow, '/mfa/skip'))).amr, ['pwd']);

  await idp.services.accounts.addUser({ tenantId: 'off', email: 'otto@off.test', password: PASSWORD });
  assert.deepEqual((await idToken(await password('off', 'otto@off.test'))).amr, ['pwd']);
});

test('an existing password-only session must sign in again once the tenant requires MFA', async () => {
  await idp.services.tenants.add({ id: 'flip', name: 'Flip', mfaPolicy: 'optional' });
  await idp.services.accounts.addUser({ tenantId: 'flip', email: 'fay@flip.test', password: PASSWORD });
  const first = await password('flip', 'fay@flip.test');
  const signedIn = await post(first, '/mfa/skip');
  assert.ok(signedIn.done);
  // Single sign-on: the session cookie alone is enough while the policy allows it.
  const sso = await password('flip', 'fay@flip.test', signedIn.browser);
  assert.ok(sso.done?.startsWith(REDIRECT_URI), 'optional: the session is reused');
  await idp.services.tenants.update('flip', { mfaPolicy: 'required' });
  const again = await password('flip', 'fay@flip.test', signedIn.browser);
  assert.equal(again.done, undefined, 'required: the session is not enough');
  assert.match(again.html, /Set up two-step sign-in/);
});

test('admin reset: the next sign-in enrols again; tenant scope is enforced', async () => {
  const { secret } = await enrolled('ada@req.test');
  const user = (await idp.services.accounts.getUser('req', 'ada@req.test'))!;
  await assert.rejects(idp.services.accounts.resetMfa(user.id, { tenantId: 'opt' }), { code: 'user_not_found' });
  assert.deepEqual(await idp.services.accounts.resetMfa(user.id, { tenantId: 'req' }), { reset: true });
  assert.deepEqual(await idp.services.accounts.resetMfa(user.id), { reset: false });
  const flow = await password('req', 'ada@req.test');
  assert.match(flow.html, /Set up two-step sign-in/);
  assert.notEqual(secretOf(flow.html), secret, 'a new secret');
});

test('invalid policy values are refused with the allowed ones', async () => {
  await assert.rejects(idp.services.tenants.update('opt', { mfaPolicy: 'sometimes' as never }), (err: any) => {
    assert.equal(err.code, 'validation_failed');
    assert.match(JSON.stringify(err.options?.fields ?? err.message), /off, optional, required/);
    return true;
  });
});

test('the sign-in log: one success with amr per sign-in, wrong_code with the user id; never a code or secret', async () => {
  const { secret, codes } = await enrolled('liz@req.test');
  const user = (await idp.services.accounts.getUser('req', 'liz@req.test'))!;
  nextStep();
  const wrong = totpCode(secret, clock()) === '000000' ? '111111' : '000000';
  let flow = await password('req', 'liz@req.test');
  flow = await post(flow, '/mfa', { code: wrong });
  await idToken(await post(flow, '/mfa', { code: totpCode(secret, clock()) }));
  const mine = logs.map((l) => JSON.parse(l)).filter((l) => l.userId === user.id && String(l.event).startsWith('login.'));
  assert.deepEqual(
    mine.map((l) => [l.event, l.reason, l.amr]),
    [
      ['login.success', undefined, ['pwd', 'otp']], // enrolment
      ['login.failure', 'wrong_code', undefined],
      ['login.success', undefined, ['pwd', 'otp']],
    ],
  );
  const all = logs.join('\n');
  // (A 6-digit code could occur by chance in a timestamp, so only the secret and recovery codes are searched.)
  for (const s of [secret, ...codes]) assert.ok(!all.includes(s), 'no secret or code in the logs');
});

// review3: an unconfirmed secret was offered again at every later sign-in, so whoever saw the
// enrolment page once (e.g. with a stolen password) held a working factor after the user enrolled.
test('an enrolment secret not confirmed within a sign-in is replaced; the old one never works', async () => {
  const email = 'stale@req.test';
  await idp.services.accounts.addUser({ tenantId: 'req', email, password: PASSWORD });
  const seen = secretOf((await password('req', email)).html);
  assert.equal(secretOf((await password('req', email)).html), seen, 'within minutes (a retry, a second tab) the same secret');
  offset += 11 * 60_000;
  let flow = await password('req', email);
  const fresh = secretOf(flow.html);
  assert.notEqual(fresh, seen, 'a later sign-in gets a new secret');
  flow = await post(flow, '/mfa/enrol', { code: totpCode(seen, clock()) });
  assert.equal(flow.status, 401, 'a code from the old secret does not confirm');
  nextStep();
  flow = await post(flow, '/mfa/enrol', { code: totpCode(fresh, clock()) });
  assert.equal(codesOf(flow.html).length, 10);
  nextStep();
  const later = await password('req', email);
  assert.equal((await post(later, '/mfa', { code: totpCode(seen, clock()) })).status, 401, 'the old secret is no factor');
});
