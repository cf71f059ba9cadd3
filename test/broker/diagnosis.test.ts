// Diagnosis that does not depend on the sandbox's wording. A stand-in Identity Center (its
// own HTTP server, written here) verifies our assertions independently — our discovery,
// our JWKS, jose — with a trusted token issuer that authorizes a different audience, and
// refuses them in wording the sandbox never uses, including AWS's bare "Invalid grant
// provided". The broker reaches it through the real AWS SDK (STS goes to the sandbox).
// Also: the setup check's local pre-checks, passing and failing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { createPrechecks } from '../../src/broker/precheck.js';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import { e2eFixture, tenantDetails } from './e2e-fixture.js';

type Answer = { type: string; status: number; body: Record<string, string> };

/** Identity Center's CreateTokenWithIAM as far as the broker can tell: restJson1, x-amzn-ErrorType, OAuth error bodies. */
function startStandIn(opts: { authorizedAudience: string }) {
  const received: { header: Record<string, unknown>; claims: Record<string, unknown> }[] = [];
  const refusals: string[] = [];
  let issuer = '';
  let answer: (reason: string) => Answer = () => {
    throw new Error('no answer set');
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (a: Answer) => {
      res.writeHead(a.status, { 'content-type': 'application/json', 'x-amzn-errortype': a.type, 'x-amzn-requestid': 'standin-req-1' });
      res.end(JSON.stringify(a.body));
    };
    if (req.method !== 'POST' || !req.url?.startsWith('/token?aws_iam=t'))
      return send({ type: 'InvalidRequestException', status: 400, body: { error: 'invalid_request' } });
    const { assertion } = JSON.parse(Buffer.concat(chunks).toString()) as { assertion: string };
    received.push({ header: decodeProtectedHeader(assertion), claims: decodeJwt(assertion) });
    try {
      // As Identity Center: the trusted token issuer's URL + discovery → JWKS, then iss/aud/exp.
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
      await jwtVerify(assertion, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer, audience: opts.authorizedAudience, algorithms: ['RS256'] });
      send({ type: 'InternalServerException', status: 500, body: { error: 'server_error', error_description: 'the stand-in accepts nothing' } });
    } catch (err) {
      refusals.push((err as Error).message);
      send(answer((err as Error).message));
    }
  });
  return {
    received,
    refusals,
    trust(url: string) {
      issuer = url;
    },
    answerWith(fn: (reason: string) => Answer) {
      answer = fn;
    },
    async listen() {
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

const standIn = startStandIn({ authorizedAudience: 'some-other-isv-client' });
let h: Harness;
let user: { id: string; email: string };
let svc: { token: string };
let admin: { token: string };

before(async () => {
  const standInUrl = await standIn.listen();
  h = await startBrokerHarness({ sandboxFixture: e2eFixture(), env: { ENDPOINT_ALLOWLIST: standInUrl } });
  standIn.trust(h.url);
  await h.tenants.add({ id: 'diag-a', name: 'Diag', ...tenantDetails(h.sandbox!.url), ssoOidcEndpoint: standInUrl });
  user = await h.addUser('diag-a', 'alice@corp.example');
  svc = await h.addService(['diag-a']);
  admin = await h.addService(['diag-a'], ['admin']);
});
after(async () => {
  await h?.close();
  await standIn.close();
});

const search = async () =>
  h.api('POST', '/api/v1/tenants/diag-a/search', { token: svc.token, body: { queryText: 'x', user: { token: await h.issuer.userToken(user) } } });
const invalidGrant = (text: string) => () => ({ type: 'InvalidGrantException', status: 400, body: { error: 'invalid_grant', error_description: text } });
const causesOf = (body: { causes: { check: string; sent: string }[] }) => Object.fromEntries(body.causes.map((c) => [c.check, c.sent]));

/** The candidate causes name exactly what the stand-in received. */
function assertCausesAreWhatWasSent(body: { causes: { check: string; sent: string }[] }) {
  const got = standIn.received.at(-1)!;
  assert.deepEqual(causesOf(body), {
    issuer: `iss = '${got.claims.iss}'`,
    audience: `aud = '${got.claims.aud}'`,
    user_mapping: `email = '${got.claims.email}'`,
    signing_key: `kid = '${got.header.kid}'`,
    lifetime_and_replay: `exp = '${new Date(Number(got.claims.exp) * 1000).toISOString()}' and a fresh jti`,
  });
  assert.equal(got.claims.iss, h.url);
  assert.equal(got.claims.aud, 'isv-data-accessor');
  assert.equal(got.claims.email, user.email);
  assert.match(standIn.refusals.at(-1)!, /"aud" claim/, 'the stand-in refused for the audience, and only for it');
}

test('the bare "Invalid grant provided" for a wrong audience: assertion_rejected, said to be unspecific, every candidate with its value', async () => {
  standIn.answerWith(invalidGrant('Invalid grant provided'));
  const r = await search();
  assert.equal(r.status, 502, JSON.stringify(r.body));
  assert.equal(r.body.code, 'assertion_rejected');
  assert.equal(r.body.awsError, 'InvalidGrantException');
  assert.equal(r.body.awsRequestId, 'standin-req-1');
  assert.match(r.body.detail, /did not say which check failed \(AWS said only "Invalid grant provided"\)/);
  assert.doesNotMatch(r.body.detail, /must fix the user's attribute/);
  assertCausesAreWhatWasSent(r.body);
  assert.match(r.body.detail, /\(2\) audience: we sent aud = 'isv-data-accessor'; this must be an authorized audience/);
  assert.match(r.body.detail, new RegExp(`user_mapping: we sent email = '${user.email}'`));
});

test('other wording, one that names the audience and one that names a user: the same classification, AWS quoted', async () => {
  for (const text of ['The audience of the presented token is not trusted for this application.', 'User could not be resolved in the identity store.']) {
    standIn.answerWith(invalidGrant(text));
    const r = await search();
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.code, 'assertion_rejected');
    assert.ok(r.body.detail.includes(`AWS said: "${text}"`), r.body.detail);
    assertCausesAreWhatWasSent(r.body);
  }
});

test('AccessDeniedException: identity_access_denied with its candidates, the user and the role sent', async () => {
  standIn.answerWith(() => ({ type: 'AccessDeniedException', status: 400, body: { error: 'access_denied', error_description: 'Access denied' } }));
  const r = await search();
  assert.equal(r.status, 403, JSON.stringify(r.body));
  assert.equal(r.body.code, 'identity_access_denied');
  assert.deepEqual(causesOf(r.body), { assignment: `email = '${user.email}'`, caller_permission: `role = '${tenantDetails('').roleArn}'` });
  assert.match(r.body.detail, /did not say which check failed/);
});

test('the setup check passes its pre-checks, then reports the refusal with the candidate causes', async () => {
  standIn.answerWith(invalidGrant('Invalid grant provided'));
  const r = await h.api('POST', '/api/v1/admin/tenants/diag-a/check', { token: admin.token, body: { email: user.email } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok]),
    [
      ['tenant', true],
      ['user', true],
      ['discovery', true],
      ['signing_key', true],
      ['assertion', true],
      ['assume_role', true],
      ['mint_assertion', true],
      ['create_token', false],
    ],
  );
  assert.equal(r.body.failedStep, 'create_token');
  const error = r.body.steps.at(-1).error;
  assert.equal(error.code, 'assertion_rejected');
  assertCausesAreWhatWasSent(error);
});

/** Fetch that alters one JSON answer of the app, as a stale cache or a misrouted proxy would. */
const altering =
  (path: string, alter: (json: any) => unknown): typeof fetch =>
  async (input, init) => {
    const res = await fetch(input, init);
    if (new URL(String(input)).pathname !== path) return res;
    return new Response(JSON.stringify(alter(await res.json())), { status: res.status, headers: { 'content-type': 'application/json' } });
  };

test('pre-checks fail: JWKS without our kid, discovery naming another issuer, no data-accessor client, an assertion for another audience, an unreachable issuer', async () => {
  const deps = { issuer: h.url, production: false, minter: h.services.minter, audience: async () => 'isv-data-accessor', assertionTtlSeconds: 60 };
  const u = { id: user.id, tenantId: 'diag-a', email: user.email, emailVerified: true, name: null, groups: [], disabled: false };
  const jwksPath = new URL(((await (await fetch(`${h.url}/.well-known/openid-configuration`)).json()) as { jwks_uri: string }).jwks_uri).pathname;

  const noKid = await createPrechecks({ ...deps, fetch: altering(jwksPath, (j) => ({ keys: j.keys.map((k: object) => ({ ...k, kid: 'some-old-key' })) })) })(u);
  assert.deepEqual(
    noKid.map((s) => [s.step, s.ok]),
    [
      ['discovery', true],
      ['signing_key', false],
    ],
  );
  assert.equal(noKid[1]!.error!.code, 'signing_key_missing');
  assert.match(noKid[1]!.error!.message, /is not in the JWKS at .* \(it has 'some-old-key'\)/);
  assert.ok(noKid[1]!.error!.hint);

  const otherIssuer = await createPrechecks({ ...deps, fetch: altering('/.well-known/openid-configuration', (j) => ({ ...j, issuer: `${h.url}/` })) })(u);
  assert.deepEqual(
    otherIssuer.map((s) => [s.step, s.ok]),
    [['discovery', false]],
  );
  assert.equal(otherIssuer[0]!.error!.code, 'discovery_invalid');
  assert.match(otherIssuer[0]!.error!.message, /character for character/);

  const noAccessor = await createPrechecks({
    ...deps,
    audience: async () => {
      throw new Error('No OIDC client is marked as the data accessor client');
    },
  })(u);
  assert.deepEqual(
    noAccessor.map((s) => [s.step, s.ok]),
    [
      ['discovery', true],
      ['assertion', false],
    ],
  );
  assert.equal(noAccessor[1]!.error!.code, 'assertion_invalid');
  assert.match(noAccessor[1]!.error!.hint, /clients add --kind data-accessor/);

  // A minter that signs for another audience than the one the check expects: the verification says which claim.
  const skewed = { mint: (c: Parameters<typeof h.services.minter.mint>[0], _aud: string, ttl: number) => h.services.minter.mint(c, 'another-audience', ttl) };
  const wrongAud = await createPrechecks({ ...deps, minter: skewed })(u);
  assert.deepEqual(
    wrongAud.map((s) => [s.step, s.ok]),
    [
      ['discovery', true],
      ['signing_key', true],
      ['assertion', false],
    ],
  );
  assert.match(wrongAud[2]!.error!.message, /unexpected "aud" claim value/);

  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
  const deadIssuer = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((ok) => closed.close(ok));
  const unreachable = await createPrechecks({ ...deps, issuer: deadIssuer })(u);
  assert.equal(unreachable[0]!.error!.code, 'discovery_invalid');
  assert.match(
    unreachable[0]!.error!.message,
    new RegExp(`^Could not fetch the discovery document at ${deadIssuer}/.well-known/openid-configuration: ECONNREFUSED`),
  );
});

test('in production, an http issuer fails the discovery pre-check and no AWS call is made', async () => {
  // A second app with NODE_ENV=production; its loopback http ISSUER passes config but not Identity Center.
  const prod = await startBrokerHarness({ env: { NODE_ENV: 'production', METRICS_TOKEN: 'metrics-token-for-test', SANDBOX: 'false' } });
  try {
    const tenantId = await prod.addTenant(fakeTenantDetails());
    const u = await prod.addUser(tenantId, 'prod@corp.example');
    const a = await prod.addService([tenantId], ['admin']);
    const r = await prod.api('POST', `/api/v1/admin/tenants/${tenantId}/check`, { token: a.token, body: { userId: u.id } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.ok, false);
    assert.equal(r.body.failedStep, 'discovery');
    assert.deepEqual(
      r.body.steps.map((s: { step: string }) => s.step),
      ['tenant', 'user', 'discovery'],
    );
    const error = r.body.steps.at(-1).error;
    assert.equal(error.code, 'discovery_invalid');
    assert.match(error.message, /is not https on port 443/);
    assert.match(error.hint, /https ISSUER on port 443/);
  } finally {
    await prod.close();
  }
});
