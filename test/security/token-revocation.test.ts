// Removed clients and revoked tokens stop working: after `clients remove` the client's
// access token (and user tokens issued to it) are refused on every broker route within the
// directory refresh window; POST /token/revocation revokes our JWT access tokens (RFC 7009,
// through openid-client as the RP), on every instance sharing the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { discover, signIn, REDIRECT_URI } from '../helpers/rp.js';
import { fakeIo } from '../helpers/cli.js';
import { FAST_ARGON2, uniqueId } from '../helpers/accounts.js';
import { fakeTenantDetails } from '../helpers/broker-harness.js';
import { createFakeAws } from '../broker/fake-aws.js';
import { loadConfig } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';

let database: TestDatabase;
let a: TestIdp; // two instances of the app on one database, one issuer
let b: TestIdp;
let bUrl: string;
let tenantId: string;

before(async () => {
  database = await createTestDatabase();
  a = await startTestIdp({ database, appDeps: { aws: createFakeAws() } });
  b = await startTestIdp({ database, env: { ISSUER: a.issuer }, appDeps: { aws: createFakeAws() } });
  bUrl = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`;
  tenantId = (await a.services.tenants.add({ id: uniqueId('rev'), name: 'Rev', ...fakeTenantDetails(), allowBackendAccess: true })).id;
  await a.services.clients.add({ name: 'accessor', kind: 'data-accessor', clientId: 'isv-data-accessor' });
});
after(async () => {
  await b?.stop();
  await a?.stop();
  await database?.drop();
});

async function serviceClient(scopes = ['search', 'admin']) {
  const c = await a.services.clients.add({ name: uniqueId('svc'), kind: 'service', scopes, allowedTenants: [tenantId] });
  const config = await discover(a, c.clientId, c.clientSecret);
  const { access_token: token } = await oidc.clientCredentialsGrant(config, { scope: scopes.join(' '), resource: a.config.BROKER_AUDIENCE });
  return { clientId: c.clientId, config, token };
}

async function call(base: string, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as { code?: string } };
}

/** Polls until `probe` answers 401 (bounded: the window is about 1 s; 10 s on a loaded machine). */
async function until401(probe: () => Promise<{ status: number; body: { code?: string } }>) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await probe();
    if (res.status === 401 || Date.now() > deadline) return res;
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

const searchBody = (userId = '00000000-0000-4000-8000-000000000000') => ({ queryText: 'x', user: { id: userId } });

test("after `clients remove`, the client's access token is refused on every broker route (401 invalid_token)", async () => {
  const svc = await serviceClient();
  assert.equal((await call(a.issuer, 'GET', '/api/v1/admin/tenants', svc.token)).status, 200);
  assert.notEqual((await call(bUrl, 'POST', `/api/v1/tenants/${tenantId}/search`, svc.token, searchBody())).status, 401);

  // The operator's CLI: another process as far as the app is concerned.
  const { io, printed } = fakeIo();
  const code = await runCli(['clients', 'remove', svc.clientId], {
    io,
    deps: async () => buildDeps(loadConfig({ DATABASE_URL: database.url, ISSUER: a.issuer }), a.database, { hasherOptions: FAST_ARGON2 }),
  });
  assert.equal(code, 0, printed.err);

  for (const [base, method, path, body] of [
    [a.issuer, 'GET', '/api/v1/admin/tenants'],
    [a.issuer, 'GET', '/api/v1/admin/audit'],
    [bUrl, 'GET', `/api/v1/admin/tenants/${tenantId}`],
    [bUrl, 'POST', `/api/v1/tenants/${tenantId}/search`, searchBody()],
  ] as [string, string, string, unknown?][]) {
    const res = await until401(() => call(base, method, path, svc.token, body));
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.equal(res.body.code, 'invalid_token', `${method} ${path}`);
  }
});

test('POST /token/revocation revokes our JWT access token on every instance', async () => {
  const svc = await serviceClient();
  // Both instances have verified (and remembered) the token.
  assert.equal((await call(a.issuer, 'GET', '/api/v1/admin/tenants', svc.token)).status, 200);
  assert.equal((await call(bUrl, 'GET', '/api/v1/admin/tenants', svc.token)).status, 200);

  await oidc.tokenRevocation(svc.config, svc.token); // throws unless 200

  for (const base of [a.issuer, bUrl]) {
    const res = await until401(() => call(base, 'GET', '/api/v1/admin/tenants', svc.token));
    assert.equal(res.status, 401, base);
    assert.equal(res.body.code, 'invalid_token');
  }
  // A new token of the same client still works: only that token was revoked.
  const { access_token: fresh } = await oidc.clientCredentialsGrant(svc.config, { scope: 'admin', resource: a.config.BROKER_AUDIENCE });
  assert.equal((await call(bUrl, 'GET', '/api/v1/admin/tenants', fresh)).status, 200);
  // Revoking again, or revoking something that is not a token of ours, is a no-op answered 200 (RFC 7009).
  await oidc.tokenRevocation(svc.config, svc.token);
  await oidc.tokenRevocation(svc.config, 'eyJhbGciOiJub25lIn0.eyJqdGkiOiJ4In0.');
});

test('a client may revoke only its own tokens, and must authenticate', async () => {
  const victim = await serviceClient();
  const other = await serviceClient();
  await assert.rejects(oidc.tokenRevocation(other.config, victim.token), (e: { error?: string }) => e.error === 'invalid_request');
  const anonymous = await fetch(`${a.issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: victim.token, client_id: victim.clientId }),
  });
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: string }).error, 'invalid_client');
  await new Promise((ok) => setTimeout(ok, 1_500)); // past the refresh window: a revocation would show
  assert.equal((await call(bUrl, 'GET', '/api/v1/admin/tenants', victim.token)).status, 200, 'still valid');
});

test('user tokens issued to a removed client are refused (401 invalid_user_token)', async () => {
  const svc = await serviceClient();
  const web = await a.services.clients.add({ name: uniqueId('web'), kind: 'web', redirectUris: [REDIRECT_URI] });
  const password = `pw-${uniqueId('p')}`;
  const user = await a.services.accounts.addUser({ tenantId, email: `${uniqueId('u')}@example.com`, groups: [], password });
  const { tokens } = await signIn(a, await discover(a, web.clientId, web.clientSecret), { tenant: tenantId, email: user.email, password });
  const body = { queryText: 'x', user: { token: tokens.id_token! } };
  assert.equal((await call(bUrl, 'POST', `/api/v1/tenants/${tenantId}/search`, svc.token, body)).status, 200);
  await a.services.clients.remove(web.clientId);
  const res = await until401(() => call(bUrl, 'POST', `/api/v1/tenants/${tenantId}/search`, svc.token, body));
  assert.equal(res.status, 401);
  assert.equal(res.body.code, 'invalid_user_token');
});
