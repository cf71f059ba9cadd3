// Two app instances on one database, and the admin CLI's services (buildDeps: its own
// pool, no LISTEN connection, as `tti-bridge tenants disable` runs) as a
// third, process-like writer. Every change the "CLI" makes must reach both instances
// within a second through the database's change notifications: disabled tenants and users
// refused and their cached AWS sessions dropped, the setup check reporting the settings
// just written, a replaced data-accessor client used without a restart, and a rotated
// key published by both at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase, type OpenedDatabase } from '../../src/db/database.js';
import { buildDeps } from '../../src/cli/deps.js';
import type { CliDeps } from '../../src/cli/context.js';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestIdp, FAST_ARGON2, type TestIdp } from '../helpers/idp.js';
import { createFakeAws, type FakeAws } from './fake-aws.js';

let database: TestDatabase;
let a: Harness;
let b: TestIdp;
let awsA: FakeAws;
let awsB: FakeAws;
let cliPool: OpenedDatabase;
let cli: CliDeps;
let admin: string;
const instances = () => [
  { name: 'A', base: a.url, aws: awsA },
  { name: 'B', base: `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`, aws: awsB },
];

before(async () => {
  database = await createTestDatabase();
  awsA = createFakeAws();
  awsB = createFakeAws();
  a = await startBrokerHarness({ aws: awsA, database });
  // B serves A's issuer (one public URL behind a load balancer) on its own port, so tokens
  // from either instance are valid on both.
  b = await startTestIdp({ database, env: { ISSUER: a.url }, appDeps: { aws: awsB } });
  const config = loadConfig({ NODE_ENV: 'test', ISSUER: a.url, DATABASE_URL: database.url, SECRET_KEY: b.config.SECRET_KEY, KEY_ACTIVATION_DELAY: '0' });
  cliPool = openDatabase(database.url);
  cli = buildDeps(config, cliPool.database, { hasherOptions: FAST_ARGON2 });
  admin = (await a.addService(['*'], ['search', 'admin'])).token;
});
after(async () => {
  await b?.stop();
  await a?.close();
  await cliPool?.close();
  await database?.drop();
});

async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const search = (base: string, tenantId: string, userId: string) =>
  post(base, `/api/v1/tenants/${tenantId}/search`, { queryText: 'status', user: { id: userId } });

/** Polls `probe` until `done` holds; returns how long it took (ms), failing after `limitMs`. */
async function within<T>(limitMs: number, probe: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<number> {
  const started = performance.now();
  let last: T;
  do {
    last = await probe();
    if (done(last)) return performance.now() - started;
    await new Promise((ok) => setTimeout(ok, 20));
  } while (performance.now() - started < limitMs);
  assert.fail(`${what} not within ${limitMs} ms; last: ${JSON.stringify(last)}`);
}

async function backendTenant() {
  const tenantId = await a.addTenant({ ...fakeTenantDetails(), allowBackendAccess: true });
  const user = await a.addUser(tenantId, `${tenantId}@example.com`);
  // Both instances search once: each now holds a cached AWS session for the user.
  for (const i of instances()) assert.equal((await search(i.base, tenantId, user.id)).status, 200, `first search on ${i.name}`);
  return { tenantId, user };
}

test('a CLI `tenants disable` refuses searches on both instances within 1 s and drops their cached sessions', async () => {
  const { tenantId, user } = await backendTenant();
  await cli.tenants.disable(tenantId);
  for (const i of instances()) {
    await within(
      1000,
      () => search(i.base, tenantId, user.id),
      (r) => r.status === 403 && r.body.code === 'tenant_not_active',
      `refusal on ${i.name}`,
    );
  }
  // Enabled again, each instance must exchange anew: the sessions cached before the disable are gone.
  await cli.tenants.enable(tenantId);
  for (const i of instances()) {
    const before = i.aws.count('create_token');
    await within(
      1000,
      () => search(i.base, tenantId, user.id),
      (r) => r.status === 200,
      `search after enable on ${i.name}`,
    );
    assert.equal(i.aws.count('create_token'), before + 1, `${i.name} reused the session cached before the disable`);
  }
});

test('a CLI `users disable` refuses the user on both instances within 1 s and evicts their credentials', async () => {
  const { tenantId, user } = await backendTenant();
  await cli.accounts.disableUser(tenantId, user.email);
  for (const i of instances()) {
    await within(
      1000,
      () => search(i.base, tenantId, user.id),
      (r) => r.status === 403 && r.body.code === 'user_disabled',
      `user refusal on ${i.name}`,
    );
  }
  await cli.accounts.enableUser(tenantId, user.email);
  for (const i of instances()) {
    const before = i.aws.count('create_token');
    await within(
      1000,
      () => search(i.base, tenantId, user.id),
      (r) => r.status === 200,
      `search after enable on ${i.name}`,
    );
    assert.equal(i.aws.count('create_token'), before + 1, `${i.name} exchanged anew: the disabled user's session was evicted`);
  }
});

test('the setup check on either instance right after a CLI `tenants update` reports, and uses, the new settings', async () => {
  const { tenantId, user } = await backendTenant();
  const roleArn = 'arn:aws:iam::444455556666:role/ReplacedRole';
  const updated = await cli.tenants.update(tenantId, { roleArn, qbusinessRegion: 'eu-west-1' });
  for (const i of instances()) {
    // No waiting, three times in a row: the check reads the row as it is now.
    for (let n = 0; n < 3; n++) {
      const report = await post(i.base, `/api/v1/admin/tenants/${tenantId}/check`, { userId: user.id });
      assert.equal(report.status, 200);
      assert.equal(report.body.ok, true, JSON.stringify(report.body));
      assert.equal(report.body.settings.roleArn, roleArn, `${i.name} checked with the new role`);
      assert.equal(report.body.settings.qbusinessRegion, 'eu-west-1');
      assert.equal(report.body.settings.status, 'active');
      assert.deepEqual(report.body.settings.endpoints, { sts: null, ssoOidc: null, qbusiness: null });
      assert.equal(report.body.settings.updatedAt, updated.updatedAt.toISOString(), 'the report names the edit it used');
    }
  }
  // A disabled tenant's check still says which settings it read.
  await cli.tenants.disable(tenantId);
  const report = await post(a.url, `/api/v1/admin/tenants/${tenantId}/check`, { userId: user.id });
  assert.equal(report.body.failedStep, 'tenant');
  assert.equal(report.body.settings.status, 'disabled');
});

test('replacing the data-accessor client is used by both instances without a restart', async () => {
  const previous = await cli.clients.dataAccessorClientId();
  assert.ok(previous);
  // Both instances mint for the current accessor first (its id is now cached).
  await backendTenant();
  await cli.clients.remove(previous);
  await cli.clients.add({ name: 'replacement accessor', kind: 'data-accessor', clientId: 'replaced-accessor' });
  const tenantId = await a.addTenant({ ...fakeTenantDetails(), allowBackendAccess: true });
  for (const i of instances()) {
    // A new user each time: no cached session, so the exchange mints an assertion now.
    let n = 0;
    await within(
      1000,
      async () => {
        const u = await a.addUser(tenantId, `${i.name}-${n++}-${tenantId}@example.com`);
        const seen = i.aws.assertions.length;
        const r = await search(i.base, tenantId, u.id);
        return { status: r.status, aud: i.aws.assertions.length > seen ? decodeJwt(i.aws.assertions.at(-1)!).aud : undefined };
      },
      (r) => r.status === 200 && r.aud === 'replaced-accessor',
      `new audience on ${i.name}`,
    );
  }
});

test('a CLI key rotation is published by both instances at once, not at the next KEY_REFRESH_INTERVAL', async () => {
  const rotated = await cli.keys().rotate('sig');
  for (const i of instances()) {
    const jwks = async () => ((await (await fetch(`${i.base}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    await within(1000, jwks, (kids) => kids.includes(rotated.kid), `new key in ${i.name}'s JWKS`);
  }
});

test('a CLI `clients remove` stops the client at the token endpoint of both instances at once (no cached row outlives it)', async () => {
  const svc = await cli.clients.add({ name: 'short-lived service', kind: 'service', scopes: ['search'], allowedTenants: ['*'] });
  const grant = (base: string) =>
    fetch(`${base}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${svc.clientId}:${svc.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'search', resource: `${a.url}/api` }),
    }).then((r) => r.status);
  // Each instance has just read (and cached) the client's row.
  for (const i of instances()) assert.equal(await grant(i.base), 200, `grant on ${i.name}`);
  await cli.clients.remove(svc.clientId);
  for (const i of instances()) {
    const ms = await within(
      1000,
      () => grant(i.base),
      (s) => s === 401,
      `refusal on ${i.name}`,
    );
    // A notification arrives in milliseconds; the 1 s fallback would be a missed one.
    assert.ok(ms < 500, `${i.name} refused the removed client after ${Math.round(ms)} ms`);
  }
});
