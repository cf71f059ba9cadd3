// SCIM 2.0 provisioning through the real application: service tokens from the token
// endpoint, users created over SCIM then searching through the broker against the AWS
// sandbox (backend access and a real sign-in), deactivation refusing the next search at
// once, filters, paging, PATCH/PUT/DELETE, Groups reaching the ID token's groups claim, and
// the refusals (no token, wrong scope, wrong tenant, hostile input).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { e2eFixture, tenantDetails } from '../broker/e2e-fixture.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let h: Harness;
let scimA: string; // scim scope, tenant e2e-a
let scimAll: string; // scim scope, every tenant
let searchA: string; // search scope only, tenant e2e-a
let other: string; // a second tenant, for isolation

before(async () => {
  h = await startBrokerHarness({ sandboxFixture: e2eFixture() });
  await h.tenants.add({ id: 'e2e-a', name: 'A', allowBackendAccess: true, ...tenantDetails(h.sandbox!.url) });
  other = await h.addTenant({ name: 'Other' });
  scimA = (await h.addService(['e2e-a'], ['scim'])).token;
  scimAll = (await h.addService(['*'], ['scim'])).token;
  searchA = (await h.addService(['e2e-a'], ['search'])).token;
});
after(() => h.close());

type Res = { status: number; headers: Headers; body: any };

async function scim(method: string, path: string, o: { token?: string | null; body?: unknown; tenant?: string; query?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = { accept: 'application/scim+json' };
  const token = o.token === undefined ? scimA : o.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/scim+json';
  const url = `${h.url}/scim/v2/tenants/${o.tenant ?? 'e2e-a'}${path}${o.query ? `?${o.query}` : ''}`;
  const res = await fetch(url, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const newUser = (email: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName: email,
  name: { givenName: 'Given', familyName: 'Family' },
  active: true,
  ...extra,
});
const patch = (...ops: unknown[]) => ({ schemas: [PATCH], Operations: ops });
const filter = (f: string, tenant?: string) => scim('GET', '/Users', { tenant, query: `filter=${encodeURIComponent(f)}` });

async function create(email: string, extra: Record<string, unknown> = {}, tenant?: string): Promise<any> {
  const r = await scim('POST', '/Users', { body: newUser(email, extra), tenant, token: tenant ? scimAll : scimA });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

function search(user: { id: string } | { token: string }, token = searchA) {
  return h.api('POST', '/api/v1/tenants/e2e-a/search', { token, body: { queryText: 'project x status', maxResults: 20, user } });
}
const exchanges = () => h.sandbox!.calls.filter((c) => c.operation === 'CreateTokenWithIAM').length;

function assertScimError(r: Res, status: number, scimType?: string) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(r.body.schemas, [ERROR]);
  assert.equal(r.body.status, String(status));
  assert.equal(r.body.scimType, scimType);
  assert.equal(typeof r.body.detail, 'string');
}

test('SCIM create → search works; active=false → the next search is refused at once, even with a cached session', async () => {
  const password = 'alice-scim-password';
  const alice = await create('Alice@Corp.Example', { externalId: 'okta-00u1', password });
  assert.equal(alice.userName, 'alice@corp.example');
  assert.equal(alice.active, true);
  assert.equal(alice.password, undefined, 'a password is never returned');
  assert.deepEqual(alice.emails, [{ value: 'alice@corp.example', type: 'work', primary: true }]);

  // Backend access by the SCIM id, and a real sign-in with the provisioned password.
  const byId = await search({ id: alice.id });
  assert.equal(byId.status, 200, JSON.stringify(byId.body));
  assert.ok(byId.body.results.some((r: { documentId: string }) => r.documentId === 'eng-secret'));
  const idToken = await h.issuer.signIn({ tenant: 'e2e-a', email: 'alice@corp.example', password });
  assert.equal(decodeJwt(idToken).sub, alice.id);
  const byToken = await search({ token: idToken });
  assert.equal(byToken.status, 200, JSON.stringify(byToken.body));

  // The (tenant, user) session is cached now: a search makes no new exchange.
  const before = exchanges();
  assert.equal((await search({ id: alice.id })).status, 200);
  assert.equal(exchanges(), before);

  // Entra ID's shape: no path, value object.
  const off = await scim('PATCH', `/Users/${alice.id}`, { body: patch({ op: 'Replace', value: { active: false } }) });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.active, false);
  for (const user of [{ id: alice.id }, { token: idToken }]) {
    const refused = await search(user);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'user_disabled');
  }
  assert.equal(exchanges(), before, 'nothing was sent to AWS for the disabled user');
  await assert.rejects(h.issuer.signIn({ tenant: 'e2e-a', email: 'alice@corp.example', password }), 'a disabled user cannot sign in');

  // Okta's shape re-enables: path "active".
  const on = await scim('PATCH', `/Users/${alice.id}`, { body: patch({ op: 'replace', path: 'active', value: true }) });
  assert.equal(on.body.active, true);
  assert.equal((await search({ id: alice.id })).status, 200);

  // The operator's log says which client changed which user, and never the password or email.
  const changes = h.logs.filter((l) => l.includes('"scim.change"') && l.includes(alice.id));
  assert.equal(changes.length, 3, 'create, deactivate, re-enable');
  assert.match(changes[0]!, /"method":"POST"/);
  assert.ok(h.logs.every((l) => !l.includes(password) && !(l.includes('scim.change') && l.includes('alice@'))));
});

test('filters: userName (any case), externalId, emails.value, value paths, and/or; others are 400 invalidFilter', async () => {
  const u = await create('filter-me@corp.example', { externalId: 'ext-Filter-1' });
  await create('filter-other@corp.example', { externalId: 'ext-filter-2' });
  const ids = (r: Res) => r.body.Resources.map((x: { id: string }) => x.id);
  for (const f of [
    'userName eq "FILTER-ME@corp.example"',
    'externalId eq "ext-Filter-1"',
    'emails.value eq "filter-me@corp.example"',
    'emails[value eq "filter-me@corp.example"]',
    'userName eq "filter-me@corp.example" and active eq true',
    `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "filter-me@corp.example"`,
    `id eq "${u.id}"`,
  ]) {
    const r = await filter(f);
    assert.equal(r.status, 200, `${f}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    assert.deepEqual(ids(r), [u.id], f);
    assert.equal(r.body.totalResults, 1);
  }
  assert.equal((await filter('externalId eq "EXT-FILTER-1"')).body.totalResults, 0, 'externalId is case-exact');
  assert.equal((await filter('externalId eq "ext-Filter-1" or externalId eq "ext-filter-2"')).body.totalResults, 2);
  assert.equal((await filter('userName eq "nobody@corp.example"')).body.totalResults, 0);
  assert.equal((await filter('id eq "not-a-uuid"')).body.totalResults, 0);
  // A user of another tenant is never found, whatever the filter.
  await create('filter-me@corp.example', {}, other);
  assert.deepEqual(ids(await filter('userName eq "filter-me@corp.example"')), [u.id]);

  for (const f of ['userName co "filter"', 'title eq "x"', 'not (userName eq "x")', 'userName eq', 'active eq "yes"', 'userName pr']) {
    assertScimError(await filter(f), 400, 'invalidFilter');
  }
});

test('pagination: startIndex and count over a stable order, totals, count=0', async () => {
  const t = await h.addTenant({ name: 'Paging' });
  const made: string[] = [];
  for (let i = 0; i < 5; i += 1) made.push((await create(`page${i}@corp.example`, {}, t)).id);
  const page = (q: string) => scim('GET', '/Users', { tenant: t, token: scimAll, query: q });
  const seen: string[] = [];
  for (let start = 1; start <= 5; start += 2) {
    const r = await page(`startIndex=${start}&count=2`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.totalResults, 5);
    assert.equal(r.body.startIndex, start);
    assert.equal(r.body.itemsPerPage, r.body.Resources.length);
    seen.push(...r.body.Resources.map((x: { id: string }) => x.id));
  }
  assert.deepEqual(seen, made, 'every user once, in creation order');
  const none = await page('count=0');
  assert.equal(none.body.totalResults, 5);
  assert.deepEqual(none.body.Resources, []);
  assert.equal((await page('startIndex=0&count=1')).body.startIndex, 1, 'startIndex below 1 is 1');
  assert.equal((await page('startIndex=99')).body.Resources.length, 0);
  assertScimError(await page('count=ten'), 400, 'invalidValue');
  const projected = await page('count=1&attributes=userName');
  assert.deepEqual(Object.keys(projected.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
});

test('PATCH: paths, value objects, remove, read-only groups, and no prototype pollution', async () => {
  const u = await create('patch-me@corp.example');
  const p = (...ops: unknown[]) => scim('PATCH', `/Users/${u.id}`, { body: patch(...ops) });
  let r = await p({ op: 'replace', path: 'name.givenName', value: 'Patricia' }, { op: 'add', path: 'externalId', value: 'ext-9' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.name.givenName, 'Patricia');
  assert.equal(r.body.externalId, 'ext-9');
  r = await p({ op: 'Replace', value: { 'name.familyName': 'Jones', displayName: 'Pat Jones' } });
  assert.equal(r.body.name.familyName, 'Jones');
  assert.equal(r.body.displayName, 'Pat Jones');
  r = await p({ op: 'remove', path: 'externalId' });
  assert.equal(r.body.externalId, undefined);
  // Entra ID (before its 2020 fix) sends booleans as strings.
  r = await p({ op: 'replace', path: 'active', value: 'False' });
  assert.equal(r.body.active, false);
  r = await p({ op: 'replace', path: 'userName', value: 'patched@corp.example' });
  assert.equal(r.body.userName, 'patched@corp.example');
  assert.deepEqual(r.body.emails, [{ value: 'patched@corp.example', type: 'work', primary: true }]);
  assert.equal((await filter('userName eq "patch-me@corp.example"')).body.totalResults, 0);

  assertScimError(await p({ op: 'add', path: 'groups', value: [{ value: 'x' }] }), 400, 'mutability');
  assertScimError(await p({ op: 'replace', path: 'userName', value: 'not an email' }), 400, 'invalidValue');
  assertScimError(await p({ op: 'replace', path: 'password', value: 'short' }), 400, 'invalidValue');
  assertScimError(await p({ op: 'move', path: 'userName', value: 'x' }), 400, 'invalidSyntax');
  // Paths scim-patch cannot walk (into a string) are the request's fault: 400, not 500.
  assertScimError(await p({ op: 'replace', path: 'name.givenName.x', value: 'y' }), 400, 'invalidPath');
  assertScimError(await p({ op: 'replace', value: null }), 400, 'invalidValue');
  assertScimError(await scim('PATCH', `/Users/${u.id}`, { body: { Operations: [] } }), 400, 'invalidSyntax');
  for (const op of [
    { op: 'add', path: '__proto__.polluted', value: 1 },
    { op: 'add', path: 'constructor.prototype.polluted', value: 1 },
    { op: 'add', value: JSON.parse('{"__proto__": {"polluted": 1}}') },
  ]) {
    assertScimError(await p(op), 400, 'invalidPath');
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assertScimError(await scim('PATCH', '/Users/6d3a1e39-0000-4000-8000-000000000000', { body: patch({ op: 'replace', path: 'active', value: false }) }), 404);
});

test('PUT replaces the user (active kept when absent); DELETE removes it and its searches', async () => {
  const u = await create('put-me@corp.example', { externalId: 'e-1', password: 'put-me-password' });
  let r = await scim('PUT', `/Users/${u.id}`, { body: { schemas: [USER], userName: 'put-me@corp.example', name: { formatted: 'Put Me' } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.externalId, undefined, 'PUT clears what it does not send');
  assert.deepEqual(r.body.name, { formatted: 'Put Me' });
  assert.equal(r.body.active, true);
  await h.issuer.signIn({ tenant: 'e2e-a', email: 'put-me@corp.example', password: 'put-me-password' }); // the password is kept
  await scim('PATCH', `/Users/${u.id}`, { body: patch({ op: 'replace', path: 'active', value: false }) });
  r = await scim('PUT', `/Users/${u.id}`, { body: { schemas: [USER], userName: 'put-me@corp.example' } });
  assert.equal(r.body.active, false, 'a PUT without active does not re-enable');

  await create('taken@corp.example');
  assertScimError(await scim('PUT', `/Users/${u.id}`, { body: { schemas: [USER], userName: 'TAKEN@corp.example' } }), 409, 'uniqueness');
  assertScimError(await scim('POST', '/Users', { body: newUser('taken@corp.example') }), 409, 'uniqueness');
  assertScimError(
    await scim('POST', '/Users', { body: newUser('mail@corp.example', { emails: [{ value: 'other@corp.example', primary: true }] }) }),
    400,
    'invalidValue',
  );
  assertScimError(await scim('POST', '/Users', { body: { userName: 'no-schemas@corp.example' } }), 400, 'invalidSyntax');
  assertScimError(await scim('POST', '/Users', { body: newUser('weak@corp.example', { password: 'short' }) }), 400, 'invalidValue');

  const gone = await create('delete-me@corp.example');
  // Known here, though Identity Center has no such user.
  assert.equal((await search({ id: gone.id })).body.code, 'assertion_rejected');
  const del = await scim('DELETE', `/Users/${gone.id}`);
  assert.equal(del.status, 204);
  assertScimError(await scim('GET', `/Users/${gone.id}`), 404);
  assertScimError(await scim('DELETE', `/Users/${gone.id}`), 404);
  const after = await search({ id: gone.id });
  assert.equal(after.body.code, 'user_not_in_tenant');
});

test('Groups: membership reaches the user and the ID token; rename, PATCH add/remove, filter, delete', async () => {
  const password = 'grouped-password';
  const u1 = await create('g1@corp.example', { password });
  const u2 = await create('g2@corp.example');
  let r = await scim('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Engineers', externalId: 'grp-1', members: [{ value: u1.id }] } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const g = r.body;
  assert.deepEqual(
    g.members.map((m: { value: string }) => m.value),
    [u1.id],
  );
  assert.equal(r.headers.get('location'), g.meta.location);

  let user = (await scim('GET', `/Users/${u1.id}`)).body;
  assert.deepEqual(
    user.groups.map((x: { value: string; display: string }) => [x.value, x.display]),
    [[g.id, 'Engineers']],
  );
  const claims = decodeJwt(await h.issuer.signIn({ tenant: 'e2e-a', email: 'g1@corp.example', password }));
  assert.deepEqual(claims.groups, ['Engineers']);

  // Okta's shape (remove by value filter) and Entra's (add/remove with a value list).
  r = await scim('PATCH', `/Groups/${g.id}`, {
    body: patch({ op: 'add', path: 'members', value: [{ value: u2.id }] }, { op: 'remove', path: `members[value eq "${u1.id}"]` }),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.members.map((m: { value: string }) => m.value),
    [u2.id],
  );
  assert.deepEqual((await scim('GET', `/Users/${u1.id}`)).body.groups ?? [], []);
  r = await scim('PATCH', `/Groups/${g.id}`, {
    body: patch(
      { op: 'Add', path: 'members', value: [{ value: u1.id }] },
      { op: 'Remove', path: 'members', value: [{ value: u2.id, display: 'g2@corp.example' }] },
    ),
  });
  assert.deepEqual(
    r.body.members.map((m: { value: string }) => m.value),
    [u1.id],
  );
  // Removing someone who is not a member changes nothing and is no error.
  r = await scim('PATCH', `/Groups/${g.id}`, {
    body: patch({ op: 'Remove', path: 'members', value: [{ value: u2.id }, { value: 'x" or value pr or value eq "y' }] }),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.members.map((m: { value: string }) => m.value),
    [u1.id],
  );

  // Rename: the members' groups follow.
  r = await scim('PATCH', `/Groups/${g.id}`, { body: patch({ op: 'replace', value: { displayName: 'Platform' } }) });
  assert.equal(r.body.displayName, 'Platform');
  user = (await scim('GET', `/Users/${u1.id}`)).body;
  assert.deepEqual(
    user.groups.map((x: { display: string }) => x.display),
    ['Platform'],
  );
  assert.deepEqual(decodeJwt(await h.issuer.signIn({ tenant: 'e2e-a', email: 'g1@corp.example', password })).groups, ['Platform']);

  const f = await scim('GET', '/Groups', { query: `filter=${encodeURIComponent('displayName eq "Platform"')}&excludedAttributes=members` });
  assert.equal(f.body.totalResults, 1);
  assert.equal(f.body.Resources[0].members, undefined);
  const byMember = await scim('GET', '/Groups', { query: `filter=${encodeURIComponent(`members.value eq "${u1.id}"`)}` });
  assert.deepEqual(
    byMember.body.Resources.map((x: { id: string }) => x.id),
    [g.id],
  );

  // Members must be this tenant's users; names are unique per tenant.
  const stranger = await create('stranger@corp.example', {}, other);
  assertScimError(
    await scim('PATCH', `/Groups/${g.id}`, { body: patch({ op: 'add', path: 'members', value: [{ value: stranger.id }] }) }),
    400,
    'invalidValue',
  );
  assertScimError(await scim('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Platform' } }), 409, 'uniqueness');
  assertScimError(await scim('GET', `/Groups/${g.id}`, { tenant: other, token: scimAll }), 404);

  // Two PATCHes at once both land (the group's row is locked while each applies).
  const [a, b] = await Promise.all(
    [u2.id, (await create('g3@corp.example')).id].map((id) =>
      scim('PATCH', `/Groups/${g.id}`, { body: patch({ op: 'add', path: 'members', value: [{ value: id }] }) }),
    ),
  );
  assert.equal(a!.status, 200);
  assert.equal(b!.status, 200);
  assert.equal((await scim('GET', `/Groups/${g.id}`)).body.members.length, 3);

  r = await scim('PUT', `/Groups/${g.id}`, { body: { schemas: [GROUP], displayName: 'Platform', members: [{ value: u2.id }] } });
  assert.deepEqual(
    r.body.members.map((m: { value: string }) => m.value),
    [u2.id],
  );

  assert.equal((await scim('DELETE', `/Groups/${g.id}`)).status, 204);
  assert.deepEqual((await scim('GET', `/Users/${u2.id}`)).body.groups, []);
  assertScimError(await scim('GET', `/Groups/${g.id}`), 404);
});

test('authentication: no token 401, wrong scope 403, wrong tenant 403, unknown tenant 404', async () => {
  const none = await scim('GET', '/Users', { token: null });
  assertScimError(none, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  assertScimError(await scim('GET', '/Users', { token: 'not.a.token' }), 401);
  const scope = await scim('GET', '/Users', { token: searchA });
  assertScimError(scope, 403);
  assert.match(scope.headers.get('www-authenticate') ?? '', /insufficient_scope.*scim/);
  // A SCIM client of e2e-a may not touch another tenant, nor learn whether it exists.
  assertScimError(await scim('GET', '/Users', { tenant: other }), 403);
  assertScimError(await scim('POST', '/Users', { tenant: other, body: newUser('x@corp.example') }), 403);
  assertScimError(await scim('GET', '/Users', { tenant: 'no-such-tenant' }), 403);
  assertScimError(await scim('GET', '/Users', { tenant: 'no-such-tenant', token: scimAll }), 404);
  assertScimError(await scim('GET', '/Users', { tenant: '..%2F..', token: scimAll }), 404);
  // A scim token is no broker token.
  assert.equal((await search({ id: '00000000-0000-4000-8000-000000000000' }, scimA)).status, 403);
  assertScimError(await scim('GET', '/Nope'), 404);
  assertScimError(await scim('POST', '/ServiceProviderConfig', { body: {} }), 405);
  const root = await fetch(`${h.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${scimA}` } });
  assert.equal(root.status, 404);
  assert.match(((await root.json()) as { detail: string }).detail, /scim\/v2\/tenants\/\{tenantId\}/);
});

test("the operators' tenant (ADMIN_TENANT) is out of reach through '*': no SCIM-made console admins", async () => {
  const ops = await h.addTenant({ id: 'operators', name: 'Operators' });
  assert.equal(ops, 'operators');
  const admin = { schemas: [GROUP], displayName: 'admin' };
  // A '*' SCIM client (one per directory, for every customer) could otherwise create a user
  // with a password and put it in group admin: a console administrator of every tenant.
  for (const [method, path, body] of [
    ['GET', '/Users', undefined],
    ['POST', '/Users', newUser('mallory@corp.example', { password: 'mallory-password-1' })],
    ['POST', '/Groups', admin],
  ] as const) {
    const r = await scim(method, path, { tenant: 'operators', token: scimAll, body });
    assertScimError(r, 403);
    assert.match(r.body.detail, /ADMIN_TENANT/);
  }
  // A client limited to tenants never covers it, even when it lists it: writing its users
  // makes console administrators of every tenant, which only a global ('*') client may do.
  const scimOps = (await h.addService(['operators'], ['scim'])).token;
  assertScimError(await scim('POST', '/Users', { tenant: 'operators', token: scimOps, body: newUser('ops@corp.example') }), 403);
  // A global client that also names it explicitly: the operator's decision.
  const named = (await h.addService(['*', 'operators'], ['scim'])).token;
  const u = await scim('POST', '/Users', { tenant: 'operators', token: named, body: newUser('ops@corp.example') });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  assert.equal((await scim('GET', '/Users', { tenant: 'operators', token: named })).status, 200);
});

test('service clients: scim tokens come from the token endpoint with scope=scim; scopes are checked when the client is added', async () => {
  const c = await h.services.clients.add({ name: 'Directory sync', kind: 'service', scopes: ['scim'], allowedTenants: ['e2e-a'] });
  const config = await oidc.discovery(new URL(h.url), c.clientId, c.clientSecret, oidc.ClientSecretBasic(c.clientSecret!), {
    execute: [oidc.allowInsecureRequests],
  });
  const t = await oidc.clientCredentialsGrant(config, { scope: 'scim' });
  assert.equal(t.scope, 'scim');
  assert.equal((await scim('GET', '/Users', { token: t.access_token, query: 'count=1' })).status, 200);
  // A token without the scope (none asked for) is refused, not widened.
  const bare = await oidc.clientCredentialsGrant(config, {});
  assertScimError(await scim('GET', '/Users', { token: bare.access_token }), 403);
  await assert.rejects(h.services.clients.add({ name: 'typo', kind: 'service', scopes: ['sicm'] }), /'sicm' is not one of search, admin, scim/);
});

test('discovery: ServiceProviderConfig, ResourceTypes and Schemas say what is supported', async () => {
  const spc = await scim('GET', '/ServiceProviderConfig');
  assert.equal(spc.status, 200);
  assert.match(spc.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.equal(spc.body.patch.supported, true);
  assert.equal(spc.body.bulk.supported, false);
  assert.equal(spc.body.filter.supported, true);
  assert.equal(spc.body.authenticationSchemes[0].type, 'oauthbearertoken');
  const types = await scim('GET', '/ResourceTypes');
  assert.deepEqual(
    types.body.Resources.map((x: { endpoint: string }) => x.endpoint),
    ['/Users', '/Groups'],
  );
  assert.equal((await scim('GET', '/ResourceTypes/User')).body.schema, USER);
  const schemas = await scim('GET', '/Schemas');
  assert.deepEqual(
    schemas.body.Resources.map((x: { id: string }) => x.id),
    [USER, GROUP],
  );
  const user = await scim('GET', `/Schemas/${USER}`);
  assert.equal(user.body.attributes.find((x: { name: string }) => x.name === 'password').returned, 'never');
});

test('hostile input never gets a 500: odd types, control characters, malformed bodies, filters and ids', async () => {
  const failures: string[] = [];
  const call = async (method: string, path: string, body?: unknown, raw?: string) => {
    const res = await fetch(`${h.url}/scim/v2/tenants/${other}${path}`, {
      method,
      headers: { authorization: `Bearer ${scimAll}`, 'content-type': 'application/scim+json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    if (res.status >= 500) failures.push(`${method} ${path} ${raw ?? JSON.stringify(body)} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const u = await call('POST', '/Users', newUser('fuzz@corp.example'));
  const g = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Fuzz' });
  // Each odd value in each attribute, created (POST; PUT reads bodies the same way) and patched.
  const odd: unknown[] = ['a\u0000@x.co', null, 1, [{ value: 'x' }]];
  const keys = ['userName', 'name', 'emails', 'active', 'externalId', 'password', 'displayName', 'members', 'groups'];
  let n = 0;
  for (const key of keys) {
    for (const value of odd) {
      for (const [path, schema, id] of [
        ['/Users', USER, u.id],
        ['/Groups', GROUP, g.id],
      ] as const) {
        n += 1;
        const doc = { schemas: [schema], ...(path === '/Users' ? { userName: `fuzz${n}@corp.example` } : { displayName: `fuzz${n}` }), [key]: value };
        await Promise.all([
          call('POST', path, doc),
          call('PATCH', `${path}/${id}`, patch({ op: 'replace', path: key, value })),
          ...(key === 'userName' ? [call('PUT', `${path}/${id}`, doc), call('PATCH', `${path}/${id}`, { schemas: [PATCH], Operations: value })] : []),
        ]);
      }
    }
  }
  for (const q of [
    'filter=',
    'filter=%00',
    'filter=externalId%20eq%20%22%00%22',
    'count=1e3',
    'startIndex=99999999999',
    'filter=a&filter=b',
    `filter=${'('.repeat(50)}`,
    'excludedAttributes=%00',
    'filter=members.value%20eq%20%22x%22',
  ]) {
    await call('GET', `/Users?${q}`);
    await call('GET', `/Groups?${q}`);
  }
  for (const raw of ['', '{', 'null', '[]', '"x"', '{"schemas":null}']) {
    await call('POST', '/Users', undefined, raw);
    await call('PATCH', `/Groups/${g.id}`, undefined, raw);
  }
  for (const id of ['x', '%00', '..', 'a'.repeat(500), '00000000-0000-0000-0000-000000000000']) {
    await call('GET', `/Users/${id}`);
    await call('DELETE', `/Groups/${id}`);
  }
  assert.deepEqual(failures, []);
});
