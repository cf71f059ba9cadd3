// Probe: where a cached broker search spends its time (not a benchmark; kept for diagnosis).
import { startBrokerHarness } from '../test/helpers/broker-harness.js';
import { e2eFixture, tenantDetails } from '../test/broker/e2e-fixture.js';
import { createDbDirectory } from '../src/broker/storage/directory.js';
import { median } from './lib.js';

const h = await startBrokerHarness({ sandboxFixture: e2eFixture() });
try {
  await h.tenants.add({ id: 'e2e-a', name: 'A', ...tenantDetails(h.sandbox!.url) });
  const svc = await h.addService(['e2e-a']);
  const alice = await h.addUser('e2e-a', 'alice@corp.example');
  const dir = createDbDirectory(h.db);
  const tok = await h.issuer.userToken(alice);
  const time = async (name: string, fn: () => Promise<unknown>) => {
    for (let i = 0; i < 50; i++) await fn();
    const xs: number[] = [];
    for (let i = 0; i < 200; i++) { const s = performance.now(); await fn(); xs.push(performance.now() - s); }
    console.log(name.padEnd(20), median(xs).toFixed(3), 'ms');
  };
  await time('tenant', () => dir.tenant('e2e-a'));
  await time('user', () => dir.user(alice.id));
  await time('allowed', () => dir.allowedTenants(svc.clientId));
  await time('verifyService', () => h.issuer.verifier.verifyServiceToken(svc.token));
  await time('verifyUser', () => h.issuer.verifier.verifyUserToken(tok));
  const caller = { clientId: svc.clientId, scopes: ['search'] };
  await time('broker.search', () => h.broker.search(caller, { tenantId: 'e2e-a', user: { token: tok }, queryText: 'project x status', maxResults: 10 }));
} finally {
  await h.close();
}
