// The broker API of the real application (createApp) over HTTP: real Postgres, real tokens
// from its provider (a real sign-in for users, client credentials for services), and a fake
// AWS gateway.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import { createFakeAws, type FakeAws } from './fake-aws.js';

let h: Harness;
let aws: FakeAws;
let clockOffsetMs = 0;
const ID_TOKEN_TTL = 300;

before(async () => {
  aws = createFakeAws();
  // ID tokens live shorter than service access tokens (3600 s), so moving the app's clock
  // past a user token's expiry leaves the service token valid.
  h = await startBrokerHarness({
    aws,
    config: { CREDENTIAL_REFRESH_MARGIN: 0 },
    env: { ID_TOKEN_TTL: String(ID_TOKEN_TTL) },
    now: () => Date.now() + clockOffsetMs,
  });
});
after(() => h.close());

async function setup(opts: { backend?: boolean } = {}) {
  const tenantId = await h.addTenant({ ...fakeTenantDetails(), allowBackendAccess: opts.backend ?? false });
  const user = await h.addUser(tenantId, `${tenantId}@example.com`);
  const svc = await h.addService([tenantId]);
  const userToken = await h.issuer.userToken(user, { fresh: true });
  const search = (body: Record<string, unknown> = {}, token = svc.token, tid = tenantId) =>
    h.api('POST', `/api/v1/tenants/${tid}/search`, { token, body: { queryText: 'status', user: { token: userToken }, ...body } });
  return { tenantId, user, svc, userToken, search };
}

const countFor = (tenantId: string, step: string) => aws.calls.filter((c) => c.tenantId === tenantId && c.step === step).length;

test('search returns results, filters by confidence, paginates and caches the session', async () => {
  const s = await setup();
  const first = await s.search({ maxResults: 2 });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(
    first.body.results.map((r: { documentId: string }) => r.documentId),
    ['d0', 'd1'],
  );
  assert.equal(first.body.results[0].title, 'Doc 0');
  assert.equal(first.body.nextToken, '2');
  const next = await s.search({ maxResults: 2, nextToken: first.body.nextToken, minConfidence: 'MEDIUM' });
  assert.deepEqual(
    next.body.results.map((r: { confidence: string }) => r.confidence),
    ['MEDIUM'],
  );
  assert.equal(countFor(s.tenantId, 'assume_role'), 1, 'one exchange for both searches');
  assert.equal(countFor(s.tenantId, 'assume_role_context'), 1);
  await h.broker.audit.flush();
  const audit = await h.api('GET', `/api/v1/admin/audit?tenantId=${s.tenantId}`, { token: (await h.addService(['*'], ['admin'])).token });
  assert.equal(audit.status, 200);
  const kinds = audit.body.events.map((e: { kind: string }) => e.kind).sort();
  assert.deepEqual(kinds, ['exchange', 'search', 'search']);
  assert.ok(audit.body.events.every((e: { queryText: unknown; serviceClientId: string }) => e.queryText === null && e.serviceClientId === s.svc.clientId));
  assert.equal(audit.body.events.find((e: { kind: string }) => e.kind === 'exchange').awsRequestIds.length, 3);
});

test('50 concurrent first searches by one user make exactly one exchange', async () => {
  const s = await setup();
  const results = await Promise.all(Array.from({ length: 50 }, () => s.search()));
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(countFor(s.tenantId, 'assume_role'), 1);
  assert.equal(countFor(s.tenantId, 'create_token'), 1);
  assert.equal(countFor(s.tenantId, 'search'), 50);
});

test('authorization: token, scope, allowed tenants, user tenancy', async () => {
  const a = await setup();
  const b = await setup();
  const noToken = await h.api('POST', `/api/v1/tenants/${a.tenantId}/search`, { body: {} });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.headers.get('content-type'), 'application/problem+json');
  assert.equal(noToken.body.code, 'invalid_token');
  const adminOnly = await h.addService([a.tenantId], ['admin']);
  assert.equal((await a.search({}, adminOnly.token)).body.code, 'insufficient_scope');
  const crossService = await a.search({}, a.svc.token, b.tenantId);
  assert.equal(crossService.status, 403);
  assert.equal(crossService.body.code, 'service_not_allowed');
  const both = await h.addService([a.tenantId, b.tenantId]);
  const crossUser = await a.search({}, both.token, b.tenantId);
  assert.equal(crossUser.status, 403);
  assert.equal(crossUser.body.code, 'user_not_in_tenant');
  clockOffsetMs = (ID_TOKEN_TTL + 10) * 1000; // past the user token's exp (and the 5 s leeway)
  try {
    const expired = await a.search();
    assert.equal(expired.status, 401);
    assert.equal(expired.body.code, 'user_token_expired');
    assert.match(expired.body.detail, /^The user token has expired/);
    assert.equal(expired.headers.get('www-authenticate'), 'Bearer realm="tti-bridge"', 'the bearer (service) token itself was fine');
  } finally {
    clockOffsetMs = 0;
  }
  const badUser = await a.search({ user: { token: a.userToken.slice(0, -4) + (a.userToken.endsWith('AAAA') ? 'BBBB' : 'AAAA') } });
  assert.equal(badUser.status, 401);
  assert.equal(badUser.body.code, 'invalid_user_token', 'a bad user token is told apart from a bad service token');
  const serviceAsUser = await a.search({ user: { token: a.svc.token } });
  assert.equal(serviceAsUser.status, 401);
  assert.equal(serviceAsUser.body.code, 'invalid_user_token');
  const userAsService = await a.search({}, a.userToken);
  assert.equal(userAsService.status, 401);
  assert.equal(userAsService.body.code, 'invalid_token');
  const unknownTenant = await a.search({}, (await h.addService(['*'])).token, 'no-such-tenant');
  assert.equal(unknownTenant.body.code, 'tenant_not_found');
});

test('backend access by user id only where the tenant allows it, and only for active users', async () => {
  const closed = await setup();
  const denied = await closed.search({ user: { id: closed.user.id } });
  assert.equal(denied.body.code, 'backend_access_not_allowed');
  const open = await setup({ backend: true });
  assert.equal((await open.search({ user: { id: open.user.id } })).status, 200);
  await h.services.accounts.disableUser(open.tenantId, open.user.email);
  const disabled = await open.search({ user: { id: open.user.id } });
  assert.equal(disabled.status, 403);
  assert.equal(disabled.body.code, 'user_disabled');
});

test('disabling a tenant refuses searches and drops its cached sessions', async () => {
  const s = await setup();
  // A lookup whose load fails keeps nothing: true only if the session is cached right now.
  const cached = () =>
    h.broker.cache
      .get(s.tenantId, s.user.id, () => Promise.reject(new Error('not cached')))
      .then(
        () => true,
        () => false,
      );
  assert.equal((await s.search()).status, 200);
  assert.equal(await cached(), true);
  const admin = await h.addService(['*'], ['admin']);
  assert.equal((await h.api('POST', `/api/v1/admin/tenants/${s.tenantId}/disable`, { token: admin.token })).body.status, 'disabled');
  assert.equal(await cached(), false, 'disabling dropped the cached session');
  const refused = await s.search();
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'tenant_not_active');
  assert.equal((await h.api('POST', `/api/v1/admin/tenants/${s.tenantId}/enable`, { token: admin.token })).body.status, 'active');
  assert.equal((await s.search()).status, 200);
  assert.equal(countFor(s.tenantId, 'assume_role'), 2, 'a fresh exchange after re-enabling');
});

test('AWS failures become problem+json with stable codes', async (t) => {
  const cases: [string, FakeAws['fail'], number, string][] = [
    ['throttled', { search: { name: 'ThrottlingException', status: 429, throttled: true, retryAfterSeconds: 3 } }, 429, 'throttled'],
    ['unavailable', { assume_role: { name: 'NetworkError', unavailable: true } }, 503, 'aws_unavailable'],
    ['server error', { create_token: { name: 'InternalServerException', status: 500, unavailable: true } }, 502, 'aws_unavailable'],
    ['invalid grant', { create_token: { name: 'InvalidGrantException', status: 400, message: 'Invalid grant provided' } }, 502, 'assertion_rejected'],
    ['identity denied', { create_token: { name: 'AccessDeniedException', status: 400, message: 'access_denied' } }, 403, 'identity_access_denied'],
    ['sts denied', { assume_role: { name: 'AccessDenied', status: 403, message: 'not authorized' } }, 403, 'data_accessor_denied'],
    ['search denied', { search: { name: 'AccessDeniedException', status: 403, message: 'denied' } }, 403, 'data_accessor_denied'],
    ['bad search', { search: { name: 'ValidationException', status: 400, fields: [{ name: 'nextToken', message: 'invalid' }] } }, 400, 'invalid_search'],
  ];
  for (const [name, fail, status, code] of cases) await t.test(name, () => expectFailure(fail, status, code));
});

async function expectFailure(fail: FakeAws['fail'], status: number, code: string) {
  const s = await setup();
  aws.fail = fail;
  try {
    const r = await s.search();
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.code, code);
    assert.equal(r.body.status, status);
    if (status === 429) assert.equal(r.headers.get('retry-after'), '3');
    if (code === 'assertion_rejected') {
      assert.ok(
        r.body.causes.some((c: { check: string; sent: string }) => c.check === 'user_mapping' && c.sent === `email = '${s.user.email}'`),
        JSON.stringify(r.body.causes),
      );
    }
  } finally {
    aws.fail = {};
  }
  assert.equal((await s.search()).status, 200, 'a failure is not cached');
}

test('stale credentials on search: evicted and retried once with a fresh exchange', async () => {
  const s = await setup();
  assert.equal((await s.search()).status, 200);
  let failures = 1;
  aws.fail = { search: () => (failures-- > 0 ? { name: 'ExpiredTokenException', status: 403 } : undefined) };
  try {
    assert.equal((await s.search()).status, 200);
  } finally {
    aws.fail = {};
  }
  assert.equal(countFor(s.tenantId, 'assume_role'), 2);
  aws.fail = { search: { name: 'AccessDeniedException', status: 403 } };
  try {
    assert.equal((await s.search()).body.code, 'data_accessor_denied');
  } finally {
    aws.fail = {};
  }
  assert.equal(countFor(s.tenantId, 'assume_role'), 3, 'exactly one retry');
});

test('validation problems name each field; bad JSON and large bodies are refused', async () => {
  const s = await setup();
  const bad = await s.search({ maxResults: 0, extra: 1, user: { token: 'x', id: 'y' }, attributeFilter: { equalsTo: { name: '-x', value: {} } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'validation_failed');
  const fields = bad.body.errors.map((e: { field: string }) => e.field).sort();
  assert.deepEqual(fields, ['(body)', 'attributeFilter.equalsTo.name', 'attributeFilter.equalsTo.value', 'maxResults', 'user']);
  const json = await h.api('POST', `/api/v1/tenants/${s.tenantId}/search`, { token: s.svc.token, raw: '{"queryText":' });
  assert.equal(json.status, 400);
  assert.equal(json.body.code, 'invalid_json');
  const big = await h.api('POST', `/api/v1/tenants/${s.tenantId}/search`, { token: s.svc.token, raw: JSON.stringify({ queryText: 'x'.repeat(70_000) }) });
  assert.equal(big.status, 413);
});

test('admin API: tenants with field validation, check, OpenAPI document', async () => {
  const admin = await h.addService(['*'], ['admin']);
  const bad = await h.api('POST', '/api/v1/admin/tenants', { token: admin.token, body: { id: 'bad id', name: '', roleArn: 'nope' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['id', 'name', 'roleArn']);
  assert.match(bad.body.errors.find((e: { field: string }) => e.field === 'roleArn').message, /IAM role ARN/);
  const created = await h.api('POST', '/api/v1/admin/tenants', { token: admin.token, body: { id: 'acme-admin', name: 'Acme' } });
  assert.equal(created.status, 201);
  assert.equal(created.body.status, 'pending');
  assert.ok(created.body.missingDetails.includes('roleArn'));
  const updated = await h.api('PATCH', '/api/v1/admin/tenants/acme-admin', { token: admin.token, body: fakeTenantDetails() });
  assert.equal(updated.body.status, 'active');
  assert.equal((await h.api('GET', '/api/v1/admin/tenants/nope', { token: admin.token })).body.code, 'tenant_not_found');
  const list = await h.api('GET', '/api/v1/admin/tenants', { token: admin.token });
  assert.ok(list.body.tenants.some((t: { id: string }) => t.id === 'acme-admin'));
  const s = await setup();
  aws.fail = { create_token: { name: 'AccessDeniedException', status: 400 } };
  try {
    const report = await h.api('POST', `/api/v1/admin/tenants/${s.tenantId}/check`, { token: admin.token, body: { email: s.user.email } });
    assert.equal(report.status, 200);
    assert.equal(report.body.ok, false);
    assert.equal(report.body.failedStep, 'create_token');
    assert.equal(report.body.steps.at(-1).error.code, 'identity_access_denied');
    assert.deepEqual(
      report.body.steps.at(-1).error.causes.map((c: { check: string }) => c.check),
      ['assignment', 'caller_permission'],
    );
  } finally {
    aws.fail = {};
  }
  const ok = await h.api('POST', `/api/v1/admin/tenants/${s.tenantId}/check`, { token: admin.token, body: { userId: s.user.id } });
  assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
  assert.deepEqual(
    ok.body.steps.map((x: { step: string }) => x.step),
    ['tenant', 'user', 'discovery', 'signing_key', 'assertion', 'assume_role', 'mint_assertion', 'create_token', 'assume_role_context', 'search'],
  );
  const doc = await h.api('GET', '/api/v1/openapi.json');
  assert.equal(doc.body.openapi, '3.1.0');
  assert.ok(doc.body.paths['/api/v1/tenants/{tenantId}/search'].post);
  assert.ok(doc.body.components.schemas.AttributeFilter);
});

test('no token, assertion or credential appears in logs or audit rows', async () => {
  await h.broker.audit.flush();
  const rows = JSON.stringify(await h.database.selectFrom('audit_events').selectAll().execute());
  const text = h.logs.join('') + rows;
  assert.ok(aws.assertions.length > 0);
  assert.ok(
    h.logs.some((l) => l.includes('/api/v1/tenants/')),
    "the app's request log was captured",
  );
  for (const secret of [...aws.assertions, 'fake-secret', 'fake-session', 'AQoJ-context']) assert.ok(!text.includes(secret), 'secret leaked');
  assert.doesNotMatch(text, /eyJ[\w-]{10,}\.eyJ/);
});

test('an audit cursor beyond the BIGINT range is a 400 naming the parameter, not a 500', async () => {
  const token = (await h.addService(['*'], ['admin'])).token;
  for (const before of ['9999999999999999999', '9223372036854775808']) {
    const r = await h.api('GET', `/api/v1/admin/audit?before=${before}`, { token });
    assert.equal(r.status, 400, `${before}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'validation_failed');
    assert.equal(r.body.errors?.[0]?.field, 'query.before');
  }
  assert.equal((await h.api('GET', '/api/v1/admin/audit?before=9223372036854775807', { token })).status, 200, 'the largest id is a valid cursor');
});
