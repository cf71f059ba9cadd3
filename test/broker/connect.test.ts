// The connect flow's start and the stored Identity Center sessions, through the real
// application (no browser, no AWS call: starting a connect touches only the database).
// The return URL must not make this service an open redirect, and SCIM taking a user's
// access away drops their Identity Center session like an administrator's disable does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeTenantDetails, startBrokerHarness, type Harness, type HarnessUser } from '../helpers/broker-harness.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { createIdcSessionTable } from '../../src/db/idc-sessions.js';

let h: Harness;
let testDb: TestDatabase;
let pool: pg.Pool;
let database: Database;
let tenant: string;
let svc: string;
let svcId: string;
let scim: string;
let alice: HarnessUser;

before(async () => {
  testDb = await createTestDatabase();
  pool = new pg.Pool({ connectionString: testDb.url, max: 2 });
  database = createDatabase(pool);
  h = await startBrokerHarness({ directoryCacheMs: 0, database: testDb }); // a client change applies at once
  tenant = await h.addTenant({ ...fakeTenantDetails(), authMode: 'authorization-code', authCodeRedirectUri: `${h.url}/idc/callback` });
  ({ token: svc, clientId: svcId } = await h.addService([tenant]));
  scim = (await h.addService([tenant], ['scim'])).token;
  alice = await h.addUser(tenant, 'alice@example.com');
});
after(async () => {
  await h?.close();
  await pool?.end();
  await testDb?.drop();
});

const start = async (returnUrl: string) =>
  h.api('POST', `/api/v1/tenants/${tenant}/connect`, { token: svc, body: { user: { token: await h.issuer.userToken(alice) }, returnUrl } });

test('connect: the return URL must be this service or a registered app origin (no open redirect)', async () => {
  for (const evil of ['https://evil.example/phish', 'https://evil.example', `https://${new URL(h.url).hostname}.evil.example/`, 'http://localhost:1/x']) {
    const r = await start(evil);
    assert.equal(r.status, 400, `${evil}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'validation_failed');
    assert.equal(r.body.errors?.[0]?.field, 'returnUrl');
  }
  const states = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM idc_connect_states`.execute(h.database)).rows;
  assert.equal(states[0]?.n, 0, 'a refused start stores no state');

  // This service's own origin, and the origin of a web client's registered redirect URI.
  for (const ok of [`${h.url}/settings`, `${new URL(REDIRECT_URI).origin}/back?x=1`]) {
    const r = await start(ok);
    assert.equal(r.status, 200, `${ok}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.authorizeUrl, /\/authorize\?/);
  }
});

async function storeSession(userId: string) {
  await sql`INSERT INTO idc_sessions (tenant_id, user_id, refresh_token_enc, connected_at, refreshed_at)
    VALUES (${tenant}, ${userId}, 'sealed', now(), now()) ON CONFLICT DO NOTHING`.execute(h.database);
}
const stored = async (userId: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM idc_sessions WHERE tenant_id = ${tenant} AND user_id = ${userId}::text`.execute(h.database)).rows[0]
    ?.n;

async function scimCall(method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.url}/scim/v2/tenants/${tenant}${path}`, {
    method,
    headers: { authorization: `Bearer ${scim}`, 'content-type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.status;
}

test("SCIM active=false and DELETE drop the user's stored Identity Center session", async () => {
  const bob = await h.addUser(tenant, 'bob@example.com');
  await storeSession(bob.id);
  assert.equal(await stored(bob.id), 1);
  const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] };
  assert.equal(await scimCall('PATCH', `/Users/${bob.id}`, patch), 200);
  assert.equal(await stored(bob.id), 0, 'deactivated: the session is gone, reactivating needs a new Identity Center sign-in');

  const carol = await h.addUser(tenant, 'carol@example.com');
  await storeSession(carol.id);
  assert.equal(await scimCall('DELETE', `/Users/${carol.id}`), 204);
  assert.equal(await stored(carol.id), 0, 'deleted: no encrypted refresh token is left behind');
});

test('setup check of an authorization-code tenant: no trusted-token-issuer pre-checks (in production an http issuer fails only those)', async () => {
  const prod = await startBrokerHarness({ env: { NODE_ENV: 'production', METRICS_TOKEN: 'metrics-token-for-test', SANDBOX: 'false' } });
  try {
    const id = await prod.addTenant({ ...fakeTenantDetails(), authMode: 'authorization-code', authCodeRedirectUri: `${prod.url}/idc/callback` });
    const u = await prod.addUser(id, 'prod@corp.example');
    const a = await prod.addService([id], ['admin']);
    const r = await prod.api('POST', `/api/v1/admin/tenants/${id}/check`, { token: a.token, body: { userId: u.id } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const steps = r.body.steps.map((s: { step: string }) => s.step);
    assert.ok(!steps.includes('discovery') && !steps.includes('signing_key') && !steps.includes('assertion'), JSON.stringify(steps));
    // The user has not connected: that, not our issuer, is what the check reports.
    assert.equal(r.body.steps.at(-1).error?.code, 'connect_required');
  } finally {
    await prod.close();
  }
});

test('the callback refuses a connection whose service client lost the tenant since the start', async () => {
  const r = await start(`${h.url}/settings`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const state = new URL(r.body.authorizeUrl).searchParams.get('state')!;
  await h.services.clients.update(svcId, { allowedTenants: [] });
  try {
    const outcome = await h.broker.connect.complete({ state, code: 'a-code' }, alice.id);
    assert.equal(outcome.ok, false);
    assert.equal(new URL(outcome.redirect).searchParams.get('code'), 'service_not_allowed', outcome.redirect);
    assert.equal(await stored(alice.id), 0);
  } finally {
    await h.services.clients.update(svcId, { allowedTenants: [tenant] });
  }
});

test('a connection completed while the user is being disabled is not stored (the disable wins)', async () => {
  const dave = await h.addUser(tenant, 'dave@example.com');
  const table = createIdcSessionTable(database);
  // The callback's write lands after the disable committed (and deleted the sessions).
  await h.services.accounts.disableUser(tenant, 'dave@example.com');
  assert.equal(await table.connect(tenant, dave.id, 'sealed', new Date()), false);
  assert.equal(await stored(dave.id), 0, 'enabling the user again must need a new Identity Center sign-in');
  await h.services.accounts.enableUser(tenant, 'dave@example.com');
  assert.equal(await table.connect(tenant, dave.id, 'sealed', new Date()), true);
  assert.equal(await stored(dave.id), 1);
});
