import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { createTenantService } from '../../src/tenants/tenants.js';
import { createEndpointPolicy } from '../../src/tenants/endpoints.js';
import type { ChangeEvent } from '../../src/tenants/events.js';
import { fakeClock, uniqueId, TENANT_DETAILS as DETAILS } from '../helpers/accounts.js';

const shared = useTestDatabase();

function setup() {
  const events: ChangeEvent[] = [];
  const clock = fakeClock();
  // An operator's ENDPOINT_ALLOWLIST with a local endpoint (e.g. a LocalStack at :4566).
  const endpoints = createEndpointPolicy({ allowlist: ['http://localhost:4566'], production: false });
  const tenants = createTenantService({ database: shared.database, now: clock.now, onChange: (e) => events.push(e), endpoints });
  return { tenants, events, clock };
}

async function problems(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (err: any) {
    assert.equal(err.code, 'validation_failed');
    return Object.fromEntries(err.options.fields.map((f: any) => [f.field, f.message]));
  }
  assert.fail('expected a validation error');
}

test('a tenant without details is pending; it becomes active once all six are set', async () => {
  const { tenants, events } = setup();
  const id = uniqueId('acme');
  const t = await tenants.add({ id, name: ' Acme Corp ', qbusinessRegion: 'us-east-1' });
  assert.equal(t.status, 'pending');
  assert.equal(t.name, 'Acme Corp');
  const partial = await tenants.update(id, { roleArn: DETAILS.roleArn });
  assert.equal(partial.status, 'pending');
  const full = await tenants.update(id, DETAILS);
  assert.equal(full.status, 'active');
  assert.equal(full.idcApplicationArn, DETAILS.idcApplicationArn);
  const cleared = await tenants.update(id, { retrieverId: null });
  assert.equal(cleared.status, 'pending', 'clearing a required detail makes it pending again');
  assert.deepEqual(
    events.map((e) => e.type),
    ['tenant_updated', 'tenant_updated', 'tenant_updated'],
  );
});

test('disabled sticks through updates until enabled, which re-derives the status', async () => {
  const { tenants, events } = setup();
  const id = uniqueId('globex');
  await tenants.add({ id, name: 'Globex', ...DETAILS, allowBackendAccess: true });
  assert.equal((await tenants.disable(id)).status, 'disabled');
  assert.deepEqual(events, [{ type: 'tenant_disabled', tenantId: id }]);
  assert.equal((await tenants.update(id, { auditQueryText: true })).status, 'disabled');
  const enabled = await tenants.enable(id);
  assert.equal(enabled.status, 'active');
  assert.equal(enabled.auditQueryText, true);
  assert.equal(enabled.allowBackendAccess, true);
});

test('every detail field is checked and all problems are reported together', async () => {
  const { tenants } = setup();
  const p = await problems(
    tenants.add({
      id: '-bad id',
      name: '',
      qbusinessApplicationId: 'too-short',
      qbusinessRegion: 'US-EAST-1',
      retrieverId: 'x'.repeat(37),
      idcApplicationArn: 'arn:aws:sso::123:application/x',
      idcRegion: 'mars',
      roleArn: 'arn:aws:iam::123456789012:user/bob',
      stsEndpoint: 'ftp://sts.example.com',
      ssoOidcEndpoint: 'not a url',
      qbusinessEndpoint: 'https://q.example.com',
      allowBackendAccess: 'yes' as unknown as boolean,
    }),
  );
  assert.deepEqual(Object.keys(p).sort(), [
    'allowBackendAccess',
    'id',
    'idcApplicationArn',
    'idcRegion',
    'name',
    'qbusinessApplicationId',
    'qbusinessEndpoint',
    'qbusinessRegion',
    'retrieverId',
    'roleArn',
    'ssoOidcEndpoint',
    'stsEndpoint',
  ]);
  assert.match(p.id!, /letters, digits, '_' or '-'/);
  assert.match(p.qbusinessApplicationId!, /Q Business application ID: 36/);
  assert.match(p.retrieverId!, /retriever ID: 36/);
  assert.match(p.qbusinessRegion!, /AWS region like us-east-1/);
  assert.match(p.idcRegion!, /AWS region like us-east-1/);
  assert.match(p.idcApplicationArn!, /Identity Center application ARN like arn:aws:sso::/);
  assert.match(p.roleArn!, /IAM role ARN like arn:aws:iam::/);
  assert.match(p.stsEndpoint!, /http\(s\) URL/);
  assert.match(p.ssoOidcEndpoint!, /http\(s\) URL/);
  assert.match(p.qbusinessEndpoint!, /'https:\/\/q\.example\.com' is not allowed: .*ENDPOINT_ALLOWLIST/);
  assert.match(p.allowBackendAccess!, /true or false/);
  assert.equal(await tenants.get('-bad id'), null);
});

test('tenant ids: 256 characters at most, safe alphabet, unique', async () => {
  const { tenants } = setup();
  const long = `a${'b'.repeat(255)}`;
  assert.equal((await tenants.add({ id: long, name: 'Long' })).id, long);
  assert.ok((await problems(tenants.add({ id: `${long}c`, name: 'Longer' }))).id);
  assert.ok((await problems(tenants.add({ id: 'a.b', name: 'Dot' }))).id);
  assert.ok((await problems(tenants.add({ id: 'a:b', name: 'Colon' }))).id);
  await assert.rejects(tenants.add({ id: long, name: 'Again' }), { code: 'tenant_exists', status: 409 });
});

test('unknown fields and id changes are refused; unknown tenants are not found', async () => {
  const { tenants } = setup();
  const id = uniqueId('initech');
  await tenants.add({ id, name: 'Initech' });
  const p = await problems(tenants.update(id, { id: 'other', qbusinessAppId: 'x' } as never));
  assert.deepEqual(p, { qbusinessAppId: 'is not a tenant field', id: 'cannot be changed' });
  await assert.rejects(tenants.update('nope', { name: 'X' }), { code: 'tenant_not_found', status: 404 });
  await assert.rejects(tenants.disable('nope'), { code: 'tenant_not_found' });
  await assert.rejects(tenants.enable('nope'), { code: 'tenant_not_found' });
});

test('get and list', async () => {
  const { tenants } = setup();
  const a = uniqueId('list-a');
  const b = uniqueId('list-b');
  await tenants.add({ id: b, name: 'B', stsEndpoint: 'http://localhost:4566' });
  await tenants.add({ id: a, name: 'A' });
  assert.equal((await tenants.get(b))?.stsEndpoint, 'http://localhost:4566');
  const ids = (await tenants.list()).map((t) => t.id);
  assert.ok(ids.includes(a) && ids.includes(b), 'both listed');
  assert.ok(ids.indexOf(a) < ids.indexOf(b));
  assert.equal(await tenants.get('missing'), null);
});

test('authMode: authorization-code needs the registered redirect URI (<ISSUER>/idc/callback) to be active', async () => {
  const { tenants } = setup();
  const id = uniqueId('idc');
  const t = await tenants.add({ id, name: 'Initech', ...DETAILS });
  assert.equal(t.authMode, 'trusted-token-issuer');
  const pending = await tenants.update(id, { authMode: 'authorization-code' });
  assert.equal(pending.status, 'pending');
  assert.deepEqual((await import('../../src/tenants/tenants.js')).missingDetails(pending), ['authCodeRedirectUri']);
  const active = await tenants.update(id, { authCodeRedirectUri: 'https://isv.example.com/idc/callback' });
  assert.equal(active.status, 'active');
  assert.deepEqual(
    await problems(
      tenants.update(id, {
        authMode: 'sso' as never,
        authCodeRedirectUri: 'http://isv.example.com/idc/callback',
      }),
    ),
    {
      authMode: 'must be one of trusted-token-issuer, authorization-code',
      authCodeRedirectUri: 'must be the redirect URI registered with AWS for this service: <ISSUER>/idc/callback (https; http only on localhost)',
    },
  );
  for (const bad of [
    'https://isv.example.com/other',
    'https://isv.example.com/idc/callback?x=1',
    'https://u:p@isv.example.com/idc/callback',
    'javascript:alert(1)',
  ]) {
    assert.ok((await problems(tenants.update(id, { authCodeRedirectUri: bad }))).authCodeRedirectUri, bad);
  }
  assert.ok((await problems(tenants.update(id, { authMode: '' }))).authMode, 'authMode cannot be cleared');
  const back = await tenants.update(id, { authMode: 'trusted-token-issuer', authCodeRedirectUri: 'http://localhost:3000/idc/callback' });
  assert.equal(back.status, 'active');
  assert.equal(back.authCodeRedirectUri, 'http://localhost:3000/idc/callback');
});

test('an update racing a disable never turns the tenant active again: the disable always wins', async () => {
  const { tenants } = setup();
  const id = uniqueId('race');
  await tenants.add({ id, name: 'Race', ...DETAILS });
  for (let round = 0; round < 25; round++) {
    await tenants.enable(id);
    assert.equal((await tenants.get(id))?.status, 'active');
    await Promise.all([tenants.update(id, { name: `Race ${round}` }), tenants.disable(id)]);
    assert.equal((await tenants.get(id))?.status, 'disabled', `round ${round}: the update wrote back the status it read before the disable`);
  }
});
