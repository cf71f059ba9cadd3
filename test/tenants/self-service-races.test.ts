// The self-service page against concurrent changes, on the real tenant service and
// PostgreSQL: a link works only while its tenant is pending, and that must hold at the
// moment of the write, not only when the link was read. A form held open (slow body) while
// the tenant turns active must not rewrite the live connection; a check that passes after
// the ISV disabled the tenant must not turn it back on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { useTestDatabase } from '../helpers/db.js';
import { TENANT_DETAILS as DETAILS, uniqueId } from '../helpers/accounts.js';
import { createTenantService, type TenantService } from '../../src/tenants/tenants.js';
import { createEndpointPolicy } from '../../src/tenants/endpoints.js';
import { createOnboardingLinks } from '../../src/tenants/onboarding-link.js';
import { createSelfServiceRouter } from '../../src/tenants/self-service.js';
import { createViews } from '../../src/http/views.js';
import { pageErrors } from '../../src/http/middleware.js';
import { createLogger } from '../../src/shared/logger.js';
import type { CheckReport } from '../../src/broker/check.js';

const shared = useTestDatabase();
const ISSUER = 'http://127.0.0.1:1'; // only used to build URLs; requests go to the test server
const links = createOnboardingLinks({ secretKey: 'race-test-secret-0123456789abcdef0123', issuer: ISSUER });
let tenants: TenantService;
let server: ReturnType<Koa['listen']>;
let base: string;
/** Resolved when the page has read the tenant (the link is verified, the body not yet read). */
let onRead: () => void = () => {};
/** What the live check does (here: stands in for AWS, and lets a test act during it). */
let check: (tenantId: string) => Promise<CheckReport> = async () => {
  throw new Error('no check set');
};
let checks = 0;
let clock = Date.now();

const customer = {
  qbusinessApplicationId: DETAILS.qbusinessApplicationId,
  qbusinessRegion: DETAILS.qbusinessRegion,
  retrieverId: DETAILS.retrieverId,
  idcApplicationArn: DETAILS.idcApplicationArn,
  idcRegion: DETAILS.idcRegion,
};
const passed = (tenantId: string): CheckReport =>
  ({ tenantId, userId: 'u1', ok: true, failedStep: null, steps: [{ step: 'search', ok: true }] }) as CheckReport;

before(async () => {
  // The database is created in useTestDatabase's hook; reach it through the getter at call
  // time (methods bound to it: Kysely's own fields are private to the real instance).
  const database = new Proxy({} as typeof shared.database, {
    get: (_t, k) => {
      const v: unknown = Reflect.get(shared.database, k);
      return typeof v === 'function' ? v.bind(shared.database) : v;
    },
  });
  tenants = createTenantService({ database, endpoints: createEndpointPolicy({ production: false }) });
  const router = createSelfServiceRouter({
    links,
    views: createViews(),
    issuer: ISSUER,
    tenants: {
      ...tenants,
      get: async (id: string) => {
        const t = await tenants.get(id);
        onRead();
        return t;
      },
    },
    dataAccessorClientId: async () => 'isv-client',
    checkBudget: { burst: 3, everySeconds: 60 },
    now: () => clock,
    check: (tenantId) => {
      checks++;
      return check(tenantId);
    },
  });
  const app = new Koa();
  app.use(pageErrors(createViews(), createLogger('silent'))); // as src/app.ts mounts it for /onboard
  app.use(router.routes());
  server = app.listen(0, '127.0.0.1');
  await new Promise((ok) => server.once('listening', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(
  () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
);

async function pending(): Promise<{ id: string; path: string }> {
  const id = uniqueId('race');
  await tenants.add({ id, name: `Race ${id}`, roleArn: DETAILS.roleArn });
  return { id, path: new URL(links.issue(id).url).pathname + new URL(links.issue(id).url).search };
}

/** POSTs the form in two parts; `between` runs once the page has read the tenant. */
function slowPost(path: string, form: Record<string, string>, between: () => Promise<void>): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(form).toString();
  const read = new Promise<void>((ok) => {
    onRead = ok;
  });
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10));
    read.then(between).then(() => req.end(body.slice(10)), reject);
  });
}

test('a form held open while the tenant turns active does not rewrite the live connection', async () => {
  const { id, path } = await pending();
  checks = 0;
  check = async (tenantId) => passed(tenantId);
  const res = await slowPost(path, { ...customer, retrieverId: 'a1b2c3d4-5678-90ab-cdef-0000000000ff', testEmail: 'a@corp.example' }, async () => {
    // Meanwhile the ISV completes the tenant through the admin API: it turns active.
    const t = await tenants.update(id, customer);
    assert.equal(t.status, 'active');
  });
  assert.equal(res.status, 200);
  assert.match(res.body, /is connected/);
  const t = (await tenants.get(id))!;
  assert.equal(t.status, 'active');
  assert.equal(t.retrieverId, customer.retrieverId, "the live tenant keeps the ISV's details");
  assert.equal(checks, 0, 'no check ran for a tenant that is no longer pending');
});

test('a check that passes after the ISV disabled the tenant does not enable it again', async () => {
  const { id, path } = await pending();
  check = async (tenantId) => {
    await tenants.disable(tenantId); // the ISV, while AWS answers
    return passed(tenantId);
  };
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...customer, testEmail: 'a@corp.example' }),
  });
  assert.equal(res.status, 200);
  assert.equal((await tenants.get(id))!.status, 'disabled');
  assert.match(await res.text(), /disabled by your provider/);
});

test('a passing check activates only the details it checked', async () => {
  const { id, path } = await pending();
  check = async (tenantId) => {
    // Another instance saves different details through the same link while this check runs.
    await tenants.update(tenantId, { retrieverId: 'a1b2c3d4-5678-90ab-cdef-0000000000ee' }, { keepPending: true });
    return passed(tenantId);
  };
  await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...customer, testEmail: 'a@corp.example' }),
  });
  const t = (await tenants.get(id))!;
  assert.equal(t.status, 'pending', 'unchecked details never go live');

  // With nothing changed in between, the same check activates it.
  check = async (tenantId) => passed(tenantId);
  await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...customer, testEmail: 'a@corp.example' }),
  });
  assert.equal((await tenants.get(id))!.status, 'active');
});

test('a link cannot run checks in a loop: a burst, then one a minute (429 with Retry-After)', async () => {
  const { id, path } = await pending();
  checks = 0;
  check = async (tenantId) => ({ ...passed(tenantId), ok: false, failedStep: 'search' }) as CheckReport;
  const post = () =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...customer, testEmail: 'a@corp.example' }),
    });
  for (let i = 0; i < 3; i++) assert.equal((await post()).status, 200);
  const refused = await post();
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '60');
  assert.equal(checks, 3, 'the refused request ran no check');
  // Another tenant's link is not affected.
  const other = await pending();
  assert.equal(
    (
      await fetch(`${base}${other.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...customer, testEmail: 'a@corp.example' }),
      })
    ).status,
    200,
  );
  clock += 60_000;
  assert.equal((await post()).status, 200, 'one more a minute later');
  assert.equal((await post()).status, 429);
  assert.equal((await tenants.get(id))!.status, 'pending');
});
