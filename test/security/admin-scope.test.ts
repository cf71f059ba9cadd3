// Admin scope honours the service client's allowed tenants: a client allowed `acme` with
// scope `admin` sees and changes acme only; any other tenant, existing or not, is refused
// with the same 403 (so existence does not leak); the audit trail is filtered the same
// way. Global admin only with `*`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import { createFakeAws } from '../broker/fake-aws.js';

let h: Harness;
let acme: string;
let other: string;
let admin: { clientId: string; token: string };

before(async () => {
  h = await startBrokerHarness({ aws: createFakeAws() });
  acme = await h.addTenant(fakeTenantDetails());
  other = await h.addTenant(fakeTenantDetails());
  admin = await h.addService([acme], ['search', 'admin']);
  const base = {
    kind: 'search' as const,
    userId: null,
    outcome: 'failure' as const,
    errorCode: 'x',
    awsRequestIds: [],
    latencyMs: 1,
    serviceClientId: 'someone',
  };
  h.broker.audit.record({ ...base, tenantId: acme });
  h.broker.audit.record({ ...base, tenantId: other });
  h.broker.audit.record({ ...base, tenantId: null });
  await h.broker.audit.flush();
});
after(() => h?.close());

test('listing tenants shows only the allowed ones', async () => {
  const res = await h.api('GET', '/api/v1/admin/tenants', { token: admin.token });
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.body.tenants.map((t: { id: string }) => t.id),
    [acme],
  );
});

test('every route naming a tenant outside the list answers 403 tenant_not_allowed, whether it exists or not', async () => {
  const missing = 'no-such-tenant';
  const routes = (id: string): [string, string, unknown?][] => [
    ['GET', `/api/v1/admin/tenants/${id}`],
    ['PATCH', `/api/v1/admin/tenants/${id}`, { name: 'Taken over' }],
    ['POST', `/api/v1/admin/tenants/${id}/disable`],
    ['POST', `/api/v1/admin/tenants/${id}/enable`],
    ['POST', `/api/v1/admin/tenants/${id}/check`, { email: 'a@example.com' }],
  ];
  for (const id of [other, missing]) {
    for (const [method, path, body] of routes(id)) {
      const res = await h.api(method, path, { token: admin.token, body });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.code, 'tenant_not_allowed', `${method} ${path}`);
      assert.match(String(res.headers.get('content-type')), /problem\+json/);
    }
  }
  const t = await h.tenants.get(other);
  assert.equal(t?.name, 'Test tenant', 'not renamed');
  assert.equal(t?.status, 'active', 'not disabled');
  // The allowed tenant still works.
  assert.equal((await h.api('GET', `/api/v1/admin/tenants/${acme}`, { token: admin.token })).status, 200);
});

test('creating a tenant outside the list is refused', async () => {
  const res = await h.api('POST', '/api/v1/admin/tenants', { token: admin.token, body: { id: 'new-outside', name: 'New' } });
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 'tenant_not_allowed');
  assert.equal(await h.tenants.get('new-outside'), null);
});

test('the audit trail shows only allowed tenants; asking for another tenant is refused', async () => {
  const all = await h.api('GET', '/api/v1/admin/audit', { token: admin.token });
  assert.equal(all.status, 200);
  assert.ok(all.body.events.length >= 1);
  assert.deepEqual([...new Set(all.body.events.map((e: { tenantId: string | null }) => e.tenantId))], [acme]);
  const theirs = await h.api('GET', `/api/v1/admin/audit?tenantId=${other}`, { token: admin.token });
  assert.equal(theirs.status, 403);
  assert.equal(theirs.body.code, 'tenant_not_allowed');
});

test('global admin (*) sees every tenant and events without a tenant', async () => {
  const root = await h.addService(['*'], ['admin']);
  const list = await h.api('GET', '/api/v1/admin/tenants', { token: root.token });
  const ids = list.body.tenants.map((t: { id: string }) => t.id);
  assert.ok(ids.includes(acme) && ids.includes(other));
  assert.equal((await h.api('GET', `/api/v1/admin/tenants/${other}`, { token: root.token })).status, 200);
  const audit = await h.api('GET', '/api/v1/admin/audit', { token: root.token });
  const tenants = new Set(audit.body.events.map((e: { tenantId: string | null }) => e.tenantId));
  assert.ok(tenants.has(other) && tenants.has(null));
});
