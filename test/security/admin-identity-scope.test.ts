// The admin API's users, clients and keys honour the caller's allowed tenants: a
// tenant-limited admin reaches only its tenants' users (403 tenant_not_allowed elsewhere,
// whether the tenant exists or not), sees only clients confined to its tenants (others
// answer 404), and changes no client or key (403 global_admin_required). Secrets and
// password hashes never appear in listings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import { createFakeAws } from '../broker/fake-aws.js';
import { secretMatchesHash } from '../../src/idp/client-auth.js';
import { encodeSecretHashes, hashSecret } from '../../src/idp/clients.js';

let h: Harness;
let acme: string;
let other: string;
let limited: { clientId: string; token: string };
let global: { clientId: string; token: string };
let inside: string;
let outside: string;

before(async () => {
  h = await startBrokerHarness({ aws: createFakeAws() });
  acme = await h.addTenant(fakeTenantDetails());
  other = await h.addTenant(fakeTenantDetails());
  await h.addUser(acme, 'a@acme.example');
  await h.addUser(other, 'o@other.example');
  limited = await h.addService([acme], ['admin']);
  global = await h.addService(['*'], ['admin']);
  inside = (await h.services.clients.add({ name: 'acme backend', kind: 'service', allowedTenants: [acme] })).clientId;
  outside = (await h.services.clients.add({ name: 'other backend', kind: 'service', allowedTenants: [acme, other] })).clientId;
});
after(() => h?.close());

test('user routes outside the allowed tenants answer 403 tenant_not_allowed, existing tenant or not', async () => {
  const routes = (t: string): [string, string, unknown?][] => [
    ['GET', `/api/v1/admin/tenants/${t}/users`],
    ['POST', `/api/v1/admin/tenants/${t}/users`, { email: 'new@x.example' }],
    ['GET', `/api/v1/admin/tenants/${t}/users/o@other.example`],
    ['POST', `/api/v1/admin/tenants/${t}/users/o@other.example/disable`],
    ['POST', `/api/v1/admin/tenants/${t}/users/o@other.example/enable`],
    ['POST', `/api/v1/admin/tenants/${t}/users/o@other.example/unlock`],
    ['POST', `/api/v1/admin/tenants/${t}/users/o@other.example/reset-password`, {}],
    ['GET', `/api/v1/admin/tenants/${t}/users/o@other.example/mfa`],
    ['POST', `/api/v1/admin/tenants/${t}/users/o@other.example/reset-mfa`],
  ];
  for (const t of [other, 'no-such-tenant']) {
    for (const [method, path, body] of routes(t)) {
      const res = await h.api(method, path, { token: limited.token, body });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.code, 'tenant_not_allowed', `${method} ${path}`);
    }
  }
  const user = await h.services.accounts.getUser(other, 'o@other.example');
  assert.equal(user?.disabled, false, 'untouched');
  const own = await h.api('GET', `/api/v1/admin/tenants/${acme}/users`, { token: limited.token });
  assert.equal(own.status, 200);
  assert.deepEqual(
    own.body.users.map((u: { email: string }) => u.email),
    ['a@acme.example'],
  );
  assert.doesNotMatch(JSON.stringify(own.body), /passwordHash|argon2/);
  const reset = await h.api('POST', `/api/v1/admin/tenants/${acme}/users/a@acme.example/reset-password`, { token: limited.token, body: {} });
  assert.equal(reset.status, 200);
  assert.match(reset.body.generatedPassword, /^\S{20,}$/);
  const mfa = await h.api('GET', `/api/v1/admin/tenants/${acme}/users/a@acme.example/mfa`, { token: limited.token });
  assert.deepEqual(mfa.body, { enrolled: false, recoveryCodesLeft: 0 });
  const resetMfa = await h.api('POST', `/api/v1/admin/tenants/${acme}/users/a@acme.example/reset-mfa`, { token: limited.token });
  assert.deepEqual(resetMfa.body, { email: 'a@acme.example', tenantId: acme, reset: false });
  assert.equal((await h.api('POST', `/api/v1/admin/tenants/${acme}/users/nobody@acme.example/reset-mfa`, { token: limited.token })).status, 404);
});

test('a tenant-limited admin sees only clients confined to its tenants and changes none', async () => {
  const list = await h.api('GET', '/api/v1/admin/clients', { token: limited.token });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.clients.map((c: { clientId: string }) => c.clientId).sort(), [limited.clientId, inside].sort());
  assert.equal((await h.api('GET', `/api/v1/admin/clients/${inside}`, { token: limited.token })).status, 200);
  for (const id of [outside, global.clientId, 'no-such-client']) {
    const res = await h.api('GET', `/api/v1/admin/clients/${id}`, { token: limited.token });
    assert.equal(res.status, 404, id);
    assert.equal(res.body.code, 'client_not_found');
  }
  const writes: [string, string, unknown?][] = [
    ['POST', '/api/v1/admin/clients', { name: 'x', kind: 'service', allowedTenants: ['*'], scopes: ['admin'] }],
    ['PATCH', `/api/v1/admin/clients/${limited.clientId}`, { allowedTenants: ['*'] }],
    ['PATCH', `/api/v1/admin/clients/${inside}`, { allowedTenants: [acme, other] }],
    ['POST', `/api/v1/admin/clients/${inside}/rotate-secret`, { overlapSeconds: 0 }],
    ['DELETE', `/api/v1/admin/clients/${inside}`],
    ['GET', '/api/v1/admin/keys'],
    ['POST', '/api/v1/admin/keys/rotate', { use: 'sig' }],
  ];
  for (const [method, path, body] of writes) {
    const res = await h.api(method, path, { token: limited.token, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.body.code, 'global_admin_required', `${method} ${path}`);
  }
  assert.deepEqual((await h.services.clients.show(limited.clientId))?.allowedTenants, [acme], 'no self-promotion');
});

test('a global admin manages clients and keys; secrets appear once', async () => {
  const created = await h.api('POST', '/api/v1/admin/clients', { token: global.token, body: { name: 'New backend', kind: 'service', allowedTenants: [acme] } });
  assert.equal(created.status, 201);
  assert.match(created.body.clientSecret, /^\S{40,}$/);
  const id = created.body.clientId;
  const patched = await h.api('PATCH', `/api/v1/admin/clients/${id}`, { token: global.token, body: { allowedTenants: [acme, other], scopes: ['search'] } });
  assert.deepEqual(patched.body.allowedTenants, [acme, other]);
  const list = await h.api('GET', '/api/v1/admin/clients', { token: global.token });
  assert.ok(!JSON.stringify(list.body).includes(created.body.clientSecret));
  assert.doesNotMatch(JSON.stringify(list.body), /secretHash|"clientSecret"/);
  const bad = await h.api('PATCH', `/api/v1/admin/clients/${id}`, { token: global.token, body: { scopes: ['root'], redirectUris: ['x'] } });
  assert.equal(bad.status, 400);
  const rotated = await h.api('POST', `/api/v1/admin/clients/${id}/rotate-secret`, { token: global.token, body: { overlapSeconds: 60 } });
  assert.equal(rotated.status, 200);
  assert.ok(rotated.body.previousSecretExpiresAt);
  const keys = await h.api('GET', '/api/v1/admin/keys', { token: global.token });
  assert.ok(keys.body.keys.length > 0);
  assert.doesNotMatch(JSON.stringify(keys.body), /"d"|privateKey|secret/i);
  const self = await h.api('DELETE', `/api/v1/admin/clients/${global.clientId}`, { token: global.token });
  assert.equal(self.status, 409);
  assert.equal((await h.api('DELETE', `/api/v1/admin/clients/${id}`, { token: global.token })).status, 204);
});

test('the new operations are in the OpenAPI document', async () => {
  const doc = (await h.api('GET', '/api/v1/openapi.json')).body;
  for (const path of [
    '/api/v1/admin/tenants/{tenantId}/users',
    '/api/v1/admin/tenants/{tenantId}/users/{email}/unlock',
    '/api/v1/admin/clients/{clientId}/rotate-secret',
    '/api/v1/admin/keys/rotate',
  ]) {
    assert.ok(doc.paths[path], path);
  }
});

test('a previous secret matches until its expiry only, and never after a later rotation', () => {
  const at = 1_000_000;
  const stored = encodeSecretHashes(hashSecret('new'), hashSecret('old'), new Date(at + 1000));
  assert.equal(secretMatchesHash('new', stored, at), true);
  assert.equal(secretMatchesHash('old', stored, at + 999), true);
  assert.equal(secretMatchesHash('old', stored, at + 1000), false);
  assert.equal(secretMatchesHash('new', stored, at + 5000), true);
  assert.equal(secretMatchesHash('other', stored, at), false);
  assert.equal(secretMatchesHash(stored, stored, at), false, 'the stored value is not a secret');
  assert.equal(secretMatchesHash('old', encodeSecretHashes(hashSecret('new')), at), false);
});

// review3: the operator tenant (ADMIN_TENANT) holds the console's administrators. A client
// limited to it (or listing it among others) could otherwise add a user in group `admin`,
// reset a global administrator's password, or SCIM-patch groups: a global admin from a
// tenant-limited one. Only `*` clients may act on it.
test('a tenant-limited client never covers the operator tenant, even when it is listed', async () => {
  const ops = 'operators'; // ADMIN_TENANT's default (the harness does not set it)
  if (!(await h.services.tenants.get(ops))) await h.addTenant({ id: ops });
  await h.addUser(ops, 'root@ops.example', { groups: ['admin'] });
  const opsLimited = await h.addService([ops, acme], ['admin', 'scim']);
  const tries: [string, string, unknown?][] = [
    ['POST', `/api/v1/admin/tenants/${ops}/users`, { email: 'evil@ops.example', groups: ['admin'] }],
    ['POST', `/api/v1/admin/tenants/${ops}/users/root@ops.example/reset-password`, {}],
    ['GET', `/api/v1/admin/tenants/${ops}/users`],
  ];
  for (const [method, path, body] of tries) {
    const res = await h.api(method, path, { token: opsLimited.token, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.body.code, 'tenant_not_allowed', `${method} ${path}`);
  }
  const scim = await h.api('POST', `/scim/v2/tenants/${ops}/Users`, {
    token: opsLimited.token,
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'evil2@ops.example' },
  });
  assert.equal(scim.status, 403, 'SCIM too');
  assert.equal(await h.services.accounts.getUser(ops, 'evil@ops.example'), null);
  // Its other tenants still work, and a `*` client still manages the operators.
  assert.equal((await h.api('GET', `/api/v1/admin/tenants/${acme}/users`, { token: opsLimited.token })).status, 200);
  assert.equal((await h.api('GET', `/api/v1/admin/tenants/${ops}/users`, { token: global.token })).status, 200);
});

// review3: a NUL in a user's email or a client id in the path went to PostgreSQL, which refuses it: 500.
test('NUL in a path parameter is a 400 naming it, not a 500', async () => {
  const tries: [string, string, unknown?][] = [
    ['GET', `/api/v1/admin/tenants/${acme}/users/a%00b`],
    ['POST', `/api/v1/admin/tenants/${acme}/users/a%00b/disable`],
    ['POST', `/api/v1/admin/tenants/${acme}/users/a%00b/reset-password`, {}],
    ['GET', `/api/v1/admin/tenants/${acme}/users/a%00b/mfa`],
    ['GET', '/api/v1/admin/clients/a%00b'],
    ['POST', '/api/v1/admin/clients/a%00b/rotate-secret', { overlapSeconds: 0 }],
    ['PATCH', '/api/v1/admin/clients/a%00b', { name: 'x' }],
    ['DELETE', '/api/v1/admin/clients/a%00b'],
  ];
  for (const [method, path, body] of tries) {
    const res = await h.api(method, path, { token: global.token, body });
    assert.equal(res.status, 400, `${method} ${path}`);
    assert.match(res.body.detail, /must not contain NUL/, `${method} ${path}`);
  }
});
