// Tenant endpoint overrides may point only at AWS's own endpoint hosts, origins listed in
// ENDPOINT_ALLOWLIST, or (development) the sandbox running in this process. Refused when
// written (admin API, CLI) and again when used: a row that bypassed the check (written
// before, or straight into the database) never receives a request, let alone an assertion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBrokerHarness, fakeTenantDetails, type Harness } from '../helpers/broker-harness.js';
import { useTestDatabase } from '../helpers/db.js';
import { fakeIo } from '../helpers/cli.js';
import { FAST_ARGON2, uniqueId } from '../helpers/accounts.js';
import { loadConfig, type ConfigError } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import { createEndpointPolicy } from '../../src/tenants/endpoints.js';

// A would-be assertion catcher: counts every request that reaches it.
let capture: Server;
let captured = 0;
let captureUrl: string;
let listed: Server;
let listedUrl: string;
let h: Harness;
let tenantId: string;
let admin: { token: string };

const shared = useTestDatabase();

before(async () => {
  const listen = async (s: Server) => {
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  capture = createServer((_req, res) => {
    captured++;
    res.writeHead(500).end();
  });
  captureUrl = await listen(capture);
  listed = createServer((_req, res) => res.writeHead(500).end());
  listedUrl = await listen(listed);
  // The real SDK gateway: a request the broker made would reach the capture server.
  h = await startBrokerHarness({
    aws: { baseCredentials: { accessKeyId: 'AKIAEXAMPLEBASE00001', secretAccessKey: 'base-secret' } },
    env: { ENDPOINT_ALLOWLIST: listedUrl },
  });
  tenantId = await h.addTenant({ ...fakeTenantDetails(), allowBackendAccess: true });
  admin = await h.addService([tenantId], ['search', 'admin']);
});
after(async () => {
  await h?.close();
  capture?.close();
  listed?.close();
});

const patch = (body: Record<string, unknown>) => h.api('PATCH', `/api/v1/admin/tenants/${tenantId}`, { token: admin.token, body });

test('the admin API refuses overrides outside the allowlist, naming the field and the setting', async () => {
  const refused: [string, string][] = [
    ['ssoOidcEndpoint', captureUrl],
    ['ssoOidcEndpoint', 'http://oidc.us-east-1.amazonaws.com'], // AWS host, but plain http
    ['ssoOidcEndpoint', 'https://oidc.us-east-1.amazonaws.com.evil.example'],
    ['ssoOidcEndpoint', 'https://oidc.us-east-1.amazonaws.com:8443'],
    ['ssoOidcEndpoint', 'https://user:pw@oidc.us-east-1.amazonaws.com'],
    ['ssoOidcEndpoint', 'https://sts.us-east-1.amazonaws.com'], // another service's host
    ['stsEndpoint', 'https://evil.example'],
    ['qbusinessEndpoint', 'https://qbusiness.us-east-1.api.aws/capture'],
  ];
  for (const [field, value] of refused) {
    const res = await patch({ [field]: value });
    assert.equal(res.status, 400, `${field}=${value}`);
    assert.equal(res.body.code, 'validation_failed');
    const problem = res.body.errors.find((f: { field: string }) => f.field === field);
    assert.ok(problem, `${field} named`);
    assert.match(problem.message, /ENDPOINT_ALLOWLIST/);
  }
  assert.equal((await h.tenants.get(tenantId))?.ssoOidcEndpoint, null, 'nothing was stored');
});

test("AWS's own endpoints and the operator's listed origins are accepted", async () => {
  const accepted: Record<string, string>[] = [
    {
      stsEndpoint: 'https://sts.amazonaws.com',
      ssoOidcEndpoint: 'https://oidc.eu-west-1.amazonaws.com',
      qbusinessEndpoint: 'https://qbusiness.us-east-1.api.aws',
    },
    {
      stsEndpoint: 'https://sts-fips.us-gov-west-1.amazonaws.com',
      ssoOidcEndpoint: 'https://oidc.cn-north-1.amazonaws.com.cn',
      qbusinessEndpoint: 'https://qbusiness-fips.us-east-1.api.aws',
    },
    { stsEndpoint: 'https://sts.us-east-2.api.aws/', ssoOidcEndpoint: listedUrl, qbusinessEndpoint: listedUrl },
  ];
  for (const body of accepted) {
    const res = await patch(body);
    assert.equal(res.status, 200, JSON.stringify(body) + JSON.stringify(res.body));
  }
  assert.equal((await patch({ stsEndpoint: null, ssoOidcEndpoint: null, qbusinessEndpoint: null })).status, 200);
});

test('a row that bypassed the check is refused at use time; nothing is sent to its host', async () => {
  // As if written before the allowlist existed, or straight into the database.
  await h.database
    .updateTable('tenants')
    .set({ sts_endpoint: captureUrl, sso_oidc_endpoint: captureUrl, qbusiness_endpoint: captureUrl, updated_at: new Date() })
    .where('id', '=', tenantId)
    .execute();
  const user = await h.addUser(tenantId, 'victim@example.com');
  const deadline = Date.now() + 10_000;
  let res: Awaited<ReturnType<typeof h.api>>;
  // The broker's directory re-reads the row within its refresh window (1 s).
  do {
    res = await h.api('POST', `/api/v1/tenants/${tenantId}/search`, { token: admin.token, body: { queryText: 'x', user: { id: user.id } } });
  } while (res.status !== 409 && Date.now() < deadline && (await new Promise((ok) => setTimeout(ok, 200)), true));
  assert.equal(res.status, 409);
  assert.equal(res.body.code, 'endpoint_not_allowed');
  assert.match(res.body.detail, /ENDPOINT_ALLOWLIST/);
  const check = await h.api('POST', `/api/v1/admin/tenants/${tenantId}/check`, { token: admin.token, body: { userId: user.id } });
  assert.equal(check.body.ok, false);
  assert.equal(captured, 0, 'no request reached the host that is not allowed');
  await h.database
    .updateTable('tenants')
    .set({ sts_endpoint: null, sso_oidc_endpoint: null, qbusiness_endpoint: null, updated_at: new Date() })
    .where('id', '=', tenantId)
    .execute();
});

test('the CLI refuses the same overrides', async () => {
  const config = loadConfig({ DATABASE_URL: shared.url, SECRET_KEY: 'test-secret-key-0123456789abcdef0123', ISSUER: 'https://idp.example.com' });
  const run = async (args: string[]) => {
    const { io, printed } = fakeIo();
    const code = await runCli(args, { io, deps: async () => buildDeps(config, shared.database, { hasherOptions: FAST_ARGON2 }) });
    return { code, ...printed };
  };
  const id = uniqueId('cli-endpoints');
  assert.equal((await run(['tenants', 'add', id, '--name', 'Acme'])).code, 0);
  const refused = await run(['tenants', 'update', id, '--sso-oidc-endpoint', 'http://attacker.example:8080']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.err, /ssoOidcEndpoint.*ENDPOINT_ALLOWLIST/s);
  assert.equal((await run(['tenants', 'update', id, '--sso-oidc-endpoint', 'https://oidc.us-east-1.amazonaws.com'])).code, 0);
});

test('ENDPOINT_ALLOWLIST holds origins only, and https ones only in production', () => {
  const base = {
    SECRET_KEY: 'a-production-secret-key-0123456789abcdef',
    ISSUER: 'https://idp.example.com',
    DATABASE_URL: 'postgres://x/y',
    METRICS_TOKEN: 'a-metrics-token-0123456789',
  };
  assert.throws(
    () => loadConfig({ ...base, NODE_ENV: 'production', ENDPOINT_ALLOWLIST: 'http://localstack:4566' }),
    (e: ConfigError) => /ENDPOINT_ALLOWLIST.*https/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ ...base, ENDPOINT_ALLOWLIST: 'https://x.example/path' }),
    (e: ConfigError) => /ENDPOINT_ALLOWLIST.*not an origin/.test(e.message),
  );
  assert.deepEqual(loadConfig({ ...base, NODE_ENV: 'production', ENDPOINT_ALLOWLIST: 'https://vpce.example, https://b.example:8443' }).ENDPOINT_ALLOWLIST, [
    'https://vpce.example',
    'https://b.example:8443',
  ]);
});

test('the sandbox origin is allowed only while the sandbox runs in this process, never in production', () => {
  const policy = createEndpointPolicy({ production: false });
  const sandbox = 'http://127.0.0.1:4566';
  assert.ok(policy.refusal('stsEndpoint', sandbox));
  const withdraw = policy.allowSandbox(sandbox);
  assert.equal(policy.refusal('stsEndpoint', sandbox), undefined);
  assert.ok(policy.refusal('stsEndpoint', 'http://127.0.0.1:4567'), 'that exact origin only');
  withdraw();
  assert.ok(policy.refusal('stsEndpoint', sandbox));
  assert.throws(() => createEndpointPolicy({ production: true }).allowSandbox(sandbox), /development/);
});
