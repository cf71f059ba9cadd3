// The shipped demo end to end: the real application (provider, accounts, tenants, broker and
// its /api/v1 routes) and the AWS sandbox loaded with the demo fixture (Globex Aerospace,
// tenant `demo`). The tenant is set up from demoSetup's details as an operator would, the
// demo users sign in through the login form, and an ISV service searches with a real
// client-credentials token. Each user sees only what Q Business lets them see.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { DEMO_FIXTURE_PATH, DEMO_TENANT_ID, demoSetup, loadFixture, startSandbox, type Sandbox, type TenantSetup } from '../../src/sandbox/index.js';
import { DEMO_PASSWORD, DEMO_USERS, demoTenantDetails, ensureDataAccessorClient } from '../../src/demo/seed.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { discover, signIn, REDIRECT_URI } from '../helpers/rp.js';

/** The demo users by the local part of their email (Identity Center in the fixture knows them by email). */
type DemoUser = 'alice' | 'bob' | 'carol';

let idp: TestIdp;
let sandbox: Sandbox | undefined;
let setup: TenantSetup | undefined;
let serviceToken: string;
const idTokens = {} as Record<DemoUser, string>;

before(async () => {
  // The sandbox trusts the app's issuer, known once the app listens; the broker's base
  // credentials (the ISV principal's keys from the fixture) are read at the first AWS call.
  idp = await startTestIdp({
    appDeps: {
      aws: {
        baseCredentials: async () => {
          if (!setup) throw new Error('the demo sandbox is not set up yet');
          return { accessKeyId: setup.accessKeyId, secretAccessKey: setup.secretAccessKey };
        },
      },
    },
  });
  const dataAccessorClientId = await ensureDataAccessorClient(idp.services);
  const fixture = loadFixture(DEMO_FIXTURE_PATH, { ISSUER: idp.issuer, DATA_ACCESSOR_CLIENT_ID: dataAccessorClientId });
  sandbox = await startSandbox({ fixture });
  idp.services.endpoints.allowSandbox(sandbox.url); // as the demo does: the sandbox runs in this process
  setup = demoSetup(sandbox);
  assert.equal(setup.tenantId, DEMO_TENANT_ID);
  assert.equal(setup.issuerUrl, idp.issuer, 'the customer trusts our issuer');

  // By hand rather than seedDemo: an operator's tenant without allowBackendAccess, so the
  // searches below show that user tokens alone are enough.
  await idp.services.tenants.add({ id: DEMO_TENANT_ID, name: 'Globex Aerospace', ...demoTenantDetails(setup, sandbox.url) });
  for (const u of DEMO_USERS) {
    await idp.services.accounts.addUser({ tenantId: DEMO_TENANT_ID, ...u, password: DEMO_PASSWORD });
  }

  const web = await idp.services.clients.add({ name: 'Globex intranet', kind: 'web', redirectUris: [REDIRECT_URI] });
  const webConfig = await discover(idp, web.clientId, web.clientSecret);
  for (const u of DEMO_USERS) {
    const key = u.email.slice(0, u.email.indexOf('@')) as DemoUser;
    const { tokens } = await signIn(idp, webConfig, { tenant: DEMO_TENANT_ID, email: u.email, password: DEMO_PASSWORD });
    assert.ok(tokens.id_token, `${key} got an ID token`);
    idTokens[key] = tokens.id_token;
  }
  assert.deepEqual(Object.keys(idTokens).sort(), ['alice', 'bob', 'carol'], 'the demo users the tests below search as');

  const svc = await idp.services.clients.add({ name: 'ISV search service', kind: 'service', scopes: ['search'], allowedTenants: [DEMO_TENANT_ID] });
  const svcConfig = await discover(idp, svc.clientId, svc.clientSecret);
  serviceToken = (await oidc.clientCredentialsGrant(svcConfig, { scope: 'search', resource: idp.config.BROKER_AUDIENCE })).access_token;
});

after(async () => {
  try {
    await idp?.stop();
  } finally {
    await sandbox?.close();
  }
});

interface Result {
  documentId: string;
  title: string;
}

async function search(user: DemoUser, queryText: string) {
  const res = await fetch(`${idp.issuer}/api/v1/tenants/${DEMO_TENANT_ID}/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ queryText, maxResults: 50, user: { token: idTokens[user] } }),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { results: Result[]; code?: string; detail?: string } };
}

async function found(user: DemoUser, queryText: string) {
  const r = await search(user, queryText);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { ids: r.body.results.map((x) => x.documentId), titles: r.body.results.map((x) => x.title) };
}

const ENGINEERING = /^eng\//;
const SALES = /^sales\//;

test('alice (engineering) finds engineering documents and never sales ones', async () => {
  const design = await found('alice', 'Kestrel-2 design avionics thermal vacuum test');
  assert.ok(design.titles.includes('Kestrel-2 satellite bus design overview'), JSON.stringify(design.titles));
  assert.ok(design.titles.includes('Kestrel-2 thermal vacuum test report'), JSON.stringify(design.titles));
  const onlyAlice = await found('alice', 'Kestrel-3 concept study electric propulsion');
  assert.ok(onlyAlice.titles.includes('Kestrel-3 concept study'), 'a document shared with alice by name');
  const salesQuery = await found('alice', 'Kestrel price book pricing discount sales pipeline commission');
  for (const r of [design, onlyAlice, salesQuery]) {
    assert.deepEqual(
      r.ids.filter((id) => SALES.test(id)),
      [],
      'no sales document for alice',
    );
    assert.ok(!r.ids.includes('people/salary-bands'));
  }
});

test('bob (sales) finds sales documents and never engineering ones', async () => {
  const pricing = await found('bob', 'Kestrel price book pricing discount');
  assert.ok(pricing.titles.includes('Kestrel price book 2024'), JSON.stringify(pricing.titles));
  const pipeline = await found('bob', 'Q2 pipeline review Meridian');
  assert.ok(pipeline.titles.includes('Q2 2024 pipeline review'), JSON.stringify(pipeline.titles));
  const engQuery = await found('bob', 'Kestrel-2 design avionics thermal vacuum test');
  const kestrel3 = await found('bob', 'Kestrel-3 concept study electric propulsion');
  for (const r of [pricing, pipeline, engQuery, kestrel3]) {
    assert.deepEqual(
      r.ids.filter((id) => ENGINEERING.test(id)),
      [],
      'no engineering document for bob',
    );
    assert.ok(!r.ids.includes('people/salary-bands'));
  }
});

test('both see documents open to everyone', async () => {
  for (const user of ['alice', 'bob'] as const) {
    const pto = await found(user, 'paid time off holidays PTO');
    assert.ok(pto.titles.includes('Paid time off and holidays'), `${user}: ${JSON.stringify(pto.titles)}`);
  }
});

test('carol (not assigned to the application) gets the "identity access denied" problem', async () => {
  const r = await search('carol', 'paid time off holidays PTO');
  assert.equal(r.status, 403, JSON.stringify(r.body));
  assert.equal(r.type, 'application/problem+json');
  assert.equal(r.body.code, 'identity_access_denied');
  assert.equal(r.body.results, undefined);
});

test('every search went through the sandbox: one exchange per user, carol refused by Identity Center', () => {
  const exchanges = sandbox!.calls.filter((c) => c.operation === 'CreateTokenWithIAM');
  const ok = exchanges
    .filter((c) => c.outcome === 'ok')
    .map((c) => c.detail?.user)
    .sort();
  assert.deepEqual(ok, ['alice', 'bob'], 'one exchange each; later searches reuse the cached session');
  assert.deepEqual(
    exchanges.filter((c) => c.outcome !== 'ok').map((c) => c.outcome),
    ['AccessDeniedException'],
    'carol',
  );
  const searches = sandbox!.calls.filter((c) => c.operation === 'SearchRelevantContent');
  assert.ok(searches.length >= 8);
  assert.ok(searches.every((c) => c.outcome === 'ok' && c.caller.startsWith('arn:aws:sts::111122223333:assumed-role/QBusinessDataAccessorRole/')));
});
