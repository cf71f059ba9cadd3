// A connect state outlives its TTL: the callback refuses it, and the refusal spends it, so
// the same link cannot be tried again (nor raced by a second tab).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeTenantDetails, startBrokerHarness, type Harness } from '../helpers/broker-harness.js';
import { AppError } from '../../src/shared/errors.js';

let h: Harness;
let clock = Date.now();

before(async () => {
  h = await startBrokerHarness({ now: () => clock, directoryCacheMs: 0 });
});
after(async () => h?.close());

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'no error';
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return err.code;
  }
};

test('an expired connect state is refused and spent: the same link fails again as unknown', async () => {
  const tenant = await h.addTenant({ ...fakeTenantDetails(), authMode: 'authorization-code', authCodeRedirectUri: `${h.url}/idc/callback` });
  const { token: svc } = await h.addService([tenant]);
  const alice = await h.addUser(tenant, 'alice@example.com');
  const r = await h.api('POST', `/api/v1/tenants/${tenant}/connect`, {
    token: svc,
    body: { user: { token: await h.issuer.userToken(alice) }, returnUrl: `${h.url}/settings` },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const expiresAt = Date.parse(r.body.expiresAt);
  assert.ok(expiresAt > clock, r.body.expiresAt);
  const state = new URL(r.body.authorizeUrl).searchParams.get('state')!;

  clock = expiresAt + 1;
  assert.equal(await codeOf(h.broker.connect.complete({ state, code: 'a-code' }, alice.id)), 'connect_state_expired');
  assert.equal(await codeOf(h.broker.connect.complete({ state, code: 'a-code' }, alice.id)), 'connect_state_invalid', 'the expired state was consumed');
  await h.broker.audit.flush();
  const { events } = await h.broker.audit.list({ tenantId: tenant, kind: 'connect' });
  assert.deepEqual(
    events.map((e) => [e.outcome, e.errorCode, e.userId]),
    [['failure', 'connect_state_expired', alice.id]],
    'the expired attempt is audited once',
  );
});
