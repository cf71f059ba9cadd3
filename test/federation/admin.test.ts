// Upstream administration: the admin API (allowed tenants honoured, secrets write-only and
// sealed at rest, clear validation) and the CLI (`tti-bridge upstreams ...`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { useTestDatabase } from '../helpers/db.js';
import { loadConfig } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import { createDatabase } from '../../src/db/database.js';
import { poolConfig } from '../../src/db/pool.js';
import { fakeIo, type TerminalInput } from '../helpers/cli.js';
import { FAST_ARGON2 } from '../helpers/accounts.js';

let h: Harness;
let root: { token: string };
let narrow: { token: string };
const SECRET = 'upstream-client-secret-do-not-leak';

before(async () => {
  h = await startBrokerHarness();
  await h.tenants.add({ id: 'acme', name: 'Acme' });
  await h.tenants.add({ id: 'globex', name: 'Globex' });
  root = await h.addService(['*'], ['admin']);
  narrow = await h.addService(['globex'], ['admin']);
});
after(() => h?.close());

const body = (extra: Record<string, unknown> = {}) => ({
  id: 'acme-okta',
  displayName: 'Acme Okta',
  issuer: 'https://acme.okta.example',
  clientId: 'okta-client',
  clientSecret: SECRET,
  tenants: ['acme'],
  ...extra,
});

test('admin API: create, read, update, delete; the client secret is write-only and sealed at rest', async () => {
  const created = await h.api('POST', '/api/v1/admin/upstreams', {
    token: root.token,
    body: body({ emailDomains: ['Acme.example'], tenantClaim: 'org_id', tenantMap: { 'org-1': 'acme' } }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.headers.get('location'), '/api/v1/admin/upstreams/acme-okta');
  assert.equal(created.body.hasClientSecret, true);
  assert.deepEqual(created.body.emailDomains, ['acme.example']);
  assert.deepEqual(created.body.scopes, ['openid', 'email', 'profile']);
  assert.equal(created.body.login, true);
  assert.equal(created.body.trustedIssuer, false);
  const got = await h.api('GET', '/api/v1/admin/upstreams/acme-okta', { token: root.token });
  const list = await h.api('GET', '/api/v1/admin/upstreams', { token: root.token });
  for (const r of [created, got, list]) assert.ok(!JSON.stringify(r.body).includes(SECRET), 'secret returned');
  assert.deepEqual(
    list.body.upstreams.map((u: { id: string }) => u.id),
    ['acme-okta'],
  );
  const [row] = (await sql<{ client_secret_enc: string }>`SELECT client_secret_enc FROM upstreams WHERE id = 'acme-okta'`.execute(h.database)).rows;
  assert.match(row!.client_secret_enc, /^v1\./);
  assert.ok(!row!.client_secret_enc.includes(SECRET));
  assert.equal(h.services.upstreams().clientSecret((await h.services.upstreams().row('acme-okta'))!), SECRET);

  const patched = await h.api('PATCH', '/api/v1/admin/upstreams/acme-okta', {
    token: root.token,
    body: { tokenAudience: 'api://acme', clockSkewSeconds: 60, clientSecret: null },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.trustedIssuer, true);
  assert.equal(patched.body.hasClientSecret, false);
  assert.equal(patched.body.displayName, 'Acme Okta');
  const dup = await h.api('POST', '/api/v1/admin/upstreams', { token: root.token, body: body() });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, 'upstream_exists');
  const removed = await h.api('DELETE', '/api/v1/admin/upstreams/acme-okta', { token: root.token });
  assert.equal(removed.status, 204);
  assert.equal((await h.api('GET', '/api/v1/admin/upstreams/acme-okta', { token: root.token })).status, 404);
});

test('admin API: validation names each problem', async () => {
  const r = await h.api('POST', '/api/v1/admin/upstreams', {
    token: root.token,
    body: { id: 'Bad Id', displayName: '', issuer: 'ftp://x', tenants: [], clockSkewSeconds: 61, scopes: ['email'], extra: 1 },
  });
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'validation_failed');
  const missing = await h.api('POST', '/api/v1/admin/upstreams', {
    token: root.token,
    body: { id: 'x', displayName: 'X', issuer: 'https://x.example', tenants: ['nope'] },
  });
  assert.equal(missing.status, 400);
  const fields = Object.fromEntries(missing.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]));
  assert.match(fields.tenants, /no such tenant: nope/);
  assert.match(fields['(body)'], /clientId .* tokenAudience/);
  const badMap = await h.api('POST', '/api/v1/admin/upstreams', { token: root.token, body: body({ id: 'm', tenantClaim: 'org', tenantMap: { o: 'globex' } }) });
  assert.equal(badMap.status, 400);
  assert.match(JSON.stringify(badMap.body.errors), /tenant not in tenants/);
  const skew = await h.api('POST', '/api/v1/admin/upstreams', { token: root.token, body: body({ id: 's', clockSkewSeconds: 120 }) });
  assert.equal(skew.status, 400);
  assert.match(JSON.stringify(skew.body.errors), /at most 60 seconds/);
});

test("admin API: an upstream serving a tenant outside the caller's allowed tenants is invisible and untouchable", async () => {
  assert.equal((await h.api('POST', '/api/v1/admin/upstreams', { token: root.token, body: body({ id: 'shared', tenants: ['acme', 'globex'] }) })).status, 201);
  assert.equal((await h.api('POST', '/api/v1/admin/upstreams', { token: root.token, body: body({ id: 'globex-only', tenants: ['globex'] }) })).status, 201);
  const list = await h.api('GET', '/api/v1/admin/upstreams', { token: narrow.token });
  assert.deepEqual(
    list.body.upstreams.map((u: { id: string }) => u.id),
    ['globex-only'],
  );
  for (const [method, b] of [
    ['GET', undefined],
    ['PATCH', { displayName: 'x' }],
    ['DELETE', undefined],
  ] as const) {
    const r = await h.api(method, '/api/v1/admin/upstreams/shared', { token: narrow.token, body: b });
    assert.equal(r.status, 404, `${method}: ${JSON.stringify(r.body)}`);
  }
  const create = await h.api('POST', '/api/v1/admin/upstreams', { token: narrow.token, body: body({ id: 'sneaky', tenants: ['globex', 'acme'] }) });
  assert.equal(create.status, 403);
  assert.equal(create.body.code, 'tenant_not_allowed');
  const widen = await h.api('PATCH', '/api/v1/admin/upstreams/globex-only', { token: narrow.token, body: { tenants: ['globex', 'acme'] } });
  assert.equal(widen.status, 403);
  assert.equal(
    (await h.api('PATCH', '/api/v1/admin/upstreams/globex-only', { token: narrow.token, body: { displayName: 'Globex SSO' } })).body.displayName,
    'Globex SSO',
  );
  // Domain routing spans tenants: a tenant-limited client cannot claim a domain (e.g. another customer's).
  for (const [method, path, b] of [
    ['POST', '/api/v1/admin/upstreams', body({ id: 'grab', tenants: ['globex'], emailDomains: ['acme.example'] })],
    ['PATCH', '/api/v1/admin/upstreams/globex-only', { emailDomains: ['acme.example'] }],
  ] as const) {
    const r = await h.api(method, path, { token: narrow.token, body: b });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.code, 'global_admin_required');
  }
  assert.deepEqual((await h.api('GET', '/api/v1/admin/upstreams/globex-only', { token: narrow.token })).body.emailDomains, []);
  assert.equal((await h.api('PATCH', '/api/v1/admin/upstreams/globex-only', { token: root.token, body: { emailDomains: ['globex.example'] } })).status, 200);
  const search = await h.addService(['*'], ['search']);
  assert.equal((await h.api('GET', '/api/v1/admin/upstreams', { token: search.token })).status, 403);
  const doc = await h.api('GET', '/api/v1/openapi.json');
  assert.ok(doc.body.paths['/api/v1/admin/upstreams/{upstreamId}'].patch);
  assert.ok(doc.body.components.schemas.UpstreamInput.properties.clockSkewSeconds);
});

test('admin API: a database outage while reading an upstream is 503 with Retry-After, not 404', async () => {
  const service = h.services.upstreams();
  const get = service.get;
  service.get = async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  };
  try {
    const r = await h.api('GET', '/api/v1/admin/upstreams/globex-only', { token: root.token });
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.ok(r.headers.get('retry-after'));
  } finally {
    service.get = get;
  }
  assert.equal((await h.api('GET', '/api/v1/admin/upstreams/no-such', { token: root.token })).status, 404);
});

// The CLI against its own database, as `tti-bridge` runs it.
const shared = useTestDatabase();

async function cli(args: string[], input: TerminalInput = {}) {
  const config = loadConfig({ DATABASE_URL: shared.url, SECRET_KEY: 'test-secret-key-0123456789abcdef0123', ISSUER: 'https://idp.example.com' });
  const pool = new pg.Pool(poolConfig(shared.url));
  try {
    const { io, printed } = fakeIo(input);
    const code = await runCli(args, { io, deps: async () => buildDeps(config, createDatabase(pool), { hasherOptions: FAST_ARGON2 }) });
    return { code, ...printed };
  } finally {
    await pool.end();
  }
}

test('CLI: upstreams add (secret from stdin), list, show, update, remove; users remove-password', async () => {
  assert.equal((await cli(['tenants', 'add', 'acme', '--name', 'Acme'])).code, 0);
  const add = await cli(
    [
      'upstreams',
      'add',
      'kc',
      '--name',
      'Keycloak',
      '--issuer',
      'https://sso.acme.example/realms/acme',
      '--tenant',
      'acme',
      '--client-id',
      'tti-bridge',
      '--client-secret-stdin',
      '--email-domain',
      'acme.example',
      '--claim-groups',
      'groups',
    ],
    { stdin: `${SECRET}\n` },
  );
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /Register this redirect URI at Keycloak: https:\/\/idp\.example\.com\/interaction\/upstream\/callback/);
  const list = await cli(['upstreams', 'list']);
  assert.match(list.out, /kc\s+Keycloak\s+https:\/\/sso\.acme\.example\/realms\/acme\s+acme\s+yes\s+no\s+yes/);
  const show = await cli(['upstreams', 'show', 'kc', '--json']);
  const shown = JSON.parse(show.out);
  assert.equal(shown.hasClientSecret, true);
  assert.equal(shown.redirectUri, 'https://idp.example.com/interaction/upstream/callback');
  for (const r of [add, list, show]) assert.ok(!r.out.includes(SECRET));
  const upd = await cli(['upstreams', 'update', 'kc', '--token-audience', 'account', '--clock-skew', '20', '--map', 'org-1=acme', '--tenant-claim', 'org']);
  assert.equal(upd.code, 0, upd.err);
  const after = JSON.parse((await cli(['upstreams', 'show', 'kc', '--json'])).out);
  assert.deepEqual([after.tokenAudience, after.clockSkewSeconds, after.tenantMap, after.tenantClaim], ['account', 20, { 'org-1': 'acme' }, 'org']);
  const bad = await cli(['upstreams', 'update', 'kc', '--clock-skew', '90']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /clockSkewSeconds: must be at most 60 seconds/);
  assert.equal((await cli(['upstreams', 'remove', 'kc'])).code, 0);
  assert.match((await cli(['upstreams', 'show', 'kc'])).err, /upstream 'kc' does not exist/);

  assert.equal((await cli(['users', 'add', 'bob@acme.example', '--tenant', 'acme', '--password-stdin'], { stdin: 'bob-password-1\n' })).code, 0);
  const rp = await cli(['users', 'remove-password', 'bob@acme.example', '--tenant', 'acme']);
  assert.equal(rp.code, 0, rp.err);
  assert.match((await cli(['users', 'show', 'bob@acme.example', '--tenant', 'acme'])).out, /bob@acme\.example\s+-\s+-\s+active\s+no/);
});
