// End to end through the real application and the AWS sandbox: users sign in for real,
// services use client-credentials tokens, the app's minter signs the assertions and the
// sandbox verifies them exactly as Identity Center would (the app's discovery, JWKS, jti);
// the real SDK clients, HTTP/2 to Q Business (the broker's other transport, HTTP/1.1, is the
// default and runs in the API, demo and zero-config tests).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AssertionMinter } from '../../src/broker/ports.js';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { e2eFixture, IDS, tenantDetails } from './e2e-fixture.js';

let h: Harness;
let clockOffsetMs = 0;
let replay = false;
let svcA: { clientId: string; token: string };
const users: Record<string, { id: string; tenantId: string; email: string }> = {};

const replaying = (m: AssertionMinter): AssertionMinter => {
  let last: string | undefined;
  return { mint: async (...args) => (replay && last ? last : (last = await m.mint(...args))) };
};

before(async () => {
  h = await startBrokerHarness({
    sandboxFixture: e2eFixture(),
    wrapMinter: replaying,
    now: () => Date.now() + clockOffsetMs,
    aws: { sessionDurationSeconds: 900, qbusinessProtocol: 'http2' },
    config: { CREDENTIAL_REFRESH_MARGIN: 60 },
  });
  const url = h.sandbox!.url;
  await h.tenants.add({ id: 'e2e-a', name: 'A', ...tenantDetails(url) });
  await h.tenants.add({ id: 'e2e-throttled', name: 'T', ...tenantDetails(url, IDS.idcAppT) });
  await h.tenants.add({ id: 'e2e-wrongtag', name: 'W', ...tenantDetails(url) });
  await h.tenants.add({ id: 'e2e-b', name: 'B', ...tenantDetails(url) });
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) users[name] = await h.addUser('e2e-a', `${name}@corp.example`);
  users.tAlice = await h.addUser('e2e-throttled', 'alice@corp.example');
  users.wAlice = await h.addUser('e2e-wrongtag', 'alice@corp.example');
  svcA = await h.addService(['e2e-a']);
});
after(() => h.close());

async function search(user: keyof typeof users, body: Record<string, unknown> = {}, o: { tenantId?: string; token?: string } = {}) {
  const u = users[user]!;
  return h.api('POST', `/api/v1/tenants/${o.tenantId ?? u.tenantId}/search`, {
    token: o.token ?? svcA.token,
    body: { queryText: 'project x status', maxResults: 20, user: body.user ?? { token: await h.issuer.userToken(u) }, ...body },
  });
}
const ids = (r: { body: { results: { documentId: string }[] } }) => r.body.results.map((x) => x.documentId).sort();
const calls = (op: string) => h.sandbox!.calls.filter((c) => c.operation === op).length;

test('a search returns only what that user may see', async () => {
  const alice = await search('alice');
  assert.equal(alice.status, 200, JSON.stringify(alice.body));
  assert.ok(ids(alice).includes('eng-secret'));
  assert.ok(!ids(alice).includes('sales-secret'));
  const bob = await search('bob');
  assert.ok(ids(bob).includes('sales-secret'));
  assert.ok(!ids(bob).includes('eng-secret'));
});

test('pagination follows nextToken to the end without duplicates', async () => {
  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const r = await search('alice', { maxResults: 3, ...(nextToken ? { nextToken } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.results.length <= 3);
    seen.push(...ids(r));
    nextToken = r.body.nextToken ?? undefined;
    pages += 1;
  } while (nextToken && pages < 10);
  assert.ok(pages >= 3);
  assert.equal(new Set(seen).size, seen.length);
  assert.deepEqual([...seen].sort(), ids(await search('alice')));
});

test('attribute filters and the confidence threshold', async () => {
  const eng = await search('alice', { attributeFilter: { equalsTo: { name: 'department', value: { stringValue: 'eng' } } } });
  assert.equal(eng.status, 200, JSON.stringify(eng.body));
  assert.ok(eng.body.results.length > 0);
  for (const r of eng.body.results) assert.deepEqual(r.attributes.find((a: { name: string }) => a.name === 'department').value, { stringValue: 'eng' });
  const recent = await search('alice', { attributeFilter: { greaterThanOrEquals: { name: 'year', value: { longValue: 2025 } } } });
  assert.deepEqual(ids(recent), ['public-5', 'public-6']);
  const all = await search('alice', { queryText: 'onboarding engineering roadmap' });
  const high = await search('alice', { queryText: 'onboarding engineering roadmap', minConfidence: 'HIGH' });
  const atLeastHigh = (r: { confidence: string }) => ['HIGH', 'VERY_HIGH'].includes(r.confidence);
  assert.ok(
    all.body.results.some((r: { confidence: string }) => !atLeastHigh(r)),
    'the unfiltered search has results below HIGH',
  );
  assert.ok(high.body.results.length > 0, 'some results are HIGH or above');
  assert.ok(high.body.results.every(atLeastHigh), 'results below HIGH are dropped');
  const expected = all.body.results
    .filter(atLeastHigh)
    .map((r: { documentId: string }) => r.documentId)
    .sort();
  assert.deepEqual(ids(high), expected, 'and nothing else is');
});

test('each sandbox condition maps to its problem code', async (t) => {
  const expect = async (r: Awaited<ReturnType<typeof search>>, status: number, code: string) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.code, code);
    return r.body;
  };
  await t.test('unmapped email', async () => {
    // Identity Center's refusal does not say which check failed: every candidate is listed.
    const p = await expect(await search('dave'), 502, 'assertion_rejected');
    assert.ok(p.causes.some((c: { check: string; sent: string }) => c.check === 'user_mapping' && c.sent === "email = 'dave@corp.example'"));
    assert.ok(p.causes.some((c: { check: string; sent: string }) => c.check === 'issuer' && c.sent === `iss = '${h.url}'`));
  });
  await t.test('unassigned user', async () => {
    await expect(await search('carol'), 403, 'identity_access_denied');
  });
  await t.test('wrong tenant tag', async () => {
    await expect(await search('wAlice', {}, { token: (await h.addService(['*'])).token }), 403, 'data_accessor_denied');
  });
  await t.test('replayed assertion', async () => {
    assert.equal((await search('erin')).status, 502, 'erin is unmapped; this mints an assertion to replay');
    replay = true;
    try {
      const p = await expect(await search('frank'), 502, 'assertion_rejected');
      assert.match(p.detail, /jti/);
      assert.ok(p.causes.some((c: { check: string }) => c.check === 'lifetime_and_replay'));
    } finally {
      replay = false;
    }
  });
  await t.test('throttling', async () => {
    const svc = await h.addService(['e2e-throttled']);
    assert.equal((await search('tAlice', {}, { token: svc.token })).status, 200);
    h.sandbox!.setThrottle(IDS.daThrottled, 0.01); // one call's worth of tokens, then dry
    await search('tAlice', {}, { token: svc.token });
    const r = await search('tAlice', {}, { token: svc.token });
    await expect(r, 429, 'throttled');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  });
  await t.test('disabled tenant', async () => {
    const b = await h.addUser('e2e-b', 'bob@corp.example');
    users.bB = b;
    const token = await h.issuer.userToken(b); // signed in while the tenant was active
    await h.tenants.disable('e2e-b');
    await expect(await search('bB', { user: { token } }, { token: (await h.addService(['*'])).token }), 403, 'tenant_not_active');
  });
});

test('a service allowed for tenant A gets 403 for tenant B; a user of A cannot be searched as B', async () => {
  const cross = await search('alice', {}, { tenantId: 'e2e-throttled' });
  assert.equal(cross.status, 403);
  assert.equal(cross.body.code, 'service_not_allowed');
  const asB = await search('alice', {}, { tenantId: 'e2e-throttled', token: (await h.addService(['*'])).token });
  assert.equal(asB.status, 403);
  assert.equal(asB.body.code, 'user_not_in_tenant');
});

test('50 concurrent first searches by one user cause exactly one exchange', async () => {
  h.broker.cache.evict('e2e-a', users.bob!.id);
  h.sandbox!.clearCalls();
  const token = await h.issuer.userToken(users.bob!);
  const rs = await Promise.all(
    Array.from({ length: 50 }, () => h.api('POST', '/api/v1/tenants/e2e-a/search', { token: svcA.token, body: { queryText: 'project x', user: { token } } })),
  );
  assert.ok(
    rs.every((r) => r.status === 200),
    JSON.stringify(rs.find((r) => r.status !== 200)?.body),
  );
  assert.equal(calls('AssumeRole'), 2);
  assert.equal(calls('CreateTokenWithIAM'), 1);
  assert.equal(calls('SearchRelevantContent'), 50);
});

test('credentials are refreshed when they near expiry', async () => {
  assert.equal((await search('alice')).status, 200);
  h.sandbox!.clearCalls();
  assert.equal((await search('alice')).status, 200);
  assert.equal(calls('CreateTokenWithIAM'), 0, 'cached');
  clockOffsetMs = 900_000; // past the 900 s session
  try {
    assert.equal((await search('alice')).status, 200);
  } finally {
    clockOffsetMs = 0;
  }
  assert.equal(calls('CreateTokenWithIAM'), 1, 'a fresh exchange');
});

test('the setup check reports the failing step', async () => {
  const admin = await h.addService(['*'], ['admin']);
  const ok = await h.api('POST', '/api/v1/admin/tenants/e2e-a/check', { token: admin.token, body: { email: 'alice@corp.example' } });
  assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
  const bad = await h.api('POST', '/api/v1/admin/tenants/e2e-a/check', { token: admin.token, body: { email: 'carol@corp.example' } });
  assert.equal(bad.body.failedStep, 'create_token');
  assert.equal(bad.body.steps.at(-1).error.code, 'identity_access_denied');
  assert.deepEqual(
    bad.body.steps.slice(2, 5).map((x: { step: string; ok: boolean }) => [x.step, x.ok]),
    [
      ['discovery', true],
      ['signing_key', true],
      ['assertion', true],
    ],
  );
});

test('nothing secret appears in captured logs or audit rows', async () => {
  await h.broker.audit.flush();
  const rows = JSON.stringify(await h.database.selectFrom('audit_events').selectAll().execute());
  const text = h.logs.join('') + rows;
  assert.ok(
    h.logs.some((l) => l.includes('/api/v1/tenants/')),
    "the app's request log was captured",
  );
  assert.ok(!text.includes('e2e-base-secret-value'));
  assert.doesNotMatch(text, /eyJ[\w-]{10,}\.eyJ/, 'no JWT');
  assert.doesNotMatch(text, /ASIA[A-Z0-9]{12,}/, 'no temporary access key id');
  assert.doesNotMatch(text, /project x status/, 'no query text (tenant did not opt in)');
});
