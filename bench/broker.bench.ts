// Broker benchmark against the AWS sandbox, in one process and one run:
//   1. a cached search through the broker API (HTTP) vs a direct SDK SearchRelevantContent
//      call with the same identity-enhanced credentials (goal: broker median ≤ 1.2× direct);
//   2. first-search latency (full exchange) and searches/s over 100 distinct users;
//   3. heap per cached user.
// Run: node --expose-gc --import tsx bench/broker.bench.ts
import { QBusinessClient, SearchRelevantContentCommand } from '@aws-sdk/client-qbusiness';
import { createAwsGateway } from '../src/broker/aws/gateway.js';
import { startBrokerHarness } from '../test/helpers/broker-harness.js';
import { e2eFixture, IDS, tenantDetails } from '../test/broker/e2e-fixture.js';
import { median, mib, request, throughput } from './lib.js';

const USERS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function fixture() {
  const f = e2eFixture();
  for (let i = 0; i < USERS; i++) f.identityCenters[0]!.users.push({ userName: `u${i}`, emails: [`u${i}@corp.example`], groups: ['eng'] });
  return f;
}

const h = await startBrokerHarness({ sandboxFixture: fixture(), config: { CREDENTIAL_CACHE_MAX: 10_000 } });
const cmd = 'node --expose-gc --import tsx bench/broker.bench.ts';
try {
  const sandbox = h.sandbox!;
  await h.tenants.add({ id: 'e2e-a', name: 'A', ...tenantDetails(sandbox.url) });
  const svc = await h.addService(['e2e-a']);
  const alice = await h.addUser('e2e-a', 'alice@corp.example');
  const body = async (u: { id: string; tenantId: string }) =>
    JSON.stringify({ queryText: 'project x status', maxResults: 10, user: { token: await h.issuer.userToken(u, { expiresIn: 3600 }) } });
  const headers = { authorization: `Bearer ${svc.token}`, 'content-type': 'application/json' };
  const aliceBody = await body(alice);
  const caller = { clientId: svc.clientId, scopes: ['search'] };
  const aliceToken = JSON.parse(aliceBody).user.token as string;
  const inProcess = async () => {
    await h.broker.search(caller, { tenantId: 'e2e-a', user: { token: aliceToken }, queryText: 'project x status', maxResults: 10 });
  };
  const viaBroker = async () => {
    const r = await request(`${h.url}/api/v1/tenants/e2e-a/search`, { method: 'POST', headers, body: aliceBody });
    if (r.status !== 200) throw new Error(`broker ${r.status} ${r.body}`);
  };

  // Direct baseline: the same exchange by hand, then a plain SDK client with its default (HTTP/2) handler.
  const base = sandbox.fixture.principals[0]!;
  const gw = createAwsGateway({ baseCredentials: { accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey } });
  const t = { id: 'e2e-a', ...tenantDetails(sandbox.url) };
  const first = await gw.assumeRole(t, { sessionName: 'bench' });
  const idc = await gw.createTokenWithIam(t, first.credentials, await h.issuer.minter.mint(
    { sub: alice.id, email: alice.email, email_verified: true, tenant_id: 'e2e-a', groups: [] }, h.dataAccessorClientId, 300));
  const second = await gw.assumeRole(t, { sessionName: 'bench', identityContext: idc.identityContext });
  const direct = new QBusinessClient({ region: 'us-east-1', endpoint: sandbox.url, credentials: second.credentials });
  const viaSdk = async () => {
    await direct.send(new SearchRelevantContentCommand({ applicationId: IDS.app, contentSource: { retriever: { retrieverId: IDS.retriever } }, queryText: 'project x status', maxResults: 10 }));
  };

  for (let i = 0; i < 50; i++) { await viaBroker(); await inProcess(); await viaSdk(); } // warm-up (JIT, connections, cache)
  const tBroker: number[] = [];
  const tUseCase: number[] = [];
  const tDirect: number[] = [];
  for (let i = 0; i < ROUNDS; i++) { // interleaved so drift hits all equally
    let s = performance.now(); await viaBroker(); tBroker.push(performance.now() - s);
    s = performance.now(); await inProcess(); tUseCase.push(performance.now() - s);
    s = performance.now(); await viaSdk(); tDirect.push(performance.now() - s);
  }

  // 100 distinct users: first searches (full exchange each), then throughput over the cached sessions.
  const users = await Promise.all(Array.from({ length: USERS }, (_, i) => h.addUser('e2e-a', `u${i}@corp.example`)));
  const bodies = await Promise.all(users.map(body));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const cacheBefore = h.broker.cache.size;
  const tFirst: number[] = [];
  for (const b of bodies) {
    const s = performance.now();
    const r = await request(`${h.url}/api/v1/tenants/e2e-a/search`, { method: 'POST', headers, body: b });
    if (r.status !== 200) throw new Error(`first ${r.status} ${r.body}`);
    tFirst.push(performance.now() - s);
  }
  await h.broker.audit.flush();
  gc();
  const perUser = (process.memoryUsage().heapUsed - heapBefore) / (h.broker.cache.size - cacheBefore);
  let n = 0;
  const rps = await throughput(async () => {
    const r = await request(`${h.url}/api/v1/tenants/e2e-a/search`, { method: 'POST', headers, body: bodies[n++ % USERS]! });
    if (r.status !== 200) throw new Error(`rps ${r.status}`);
  }, { seconds: 5, concurrency: 32 });

  const mb = median(tBroker);
  const md = median(tDirect);
  const fmt = (x: number) => x.toFixed(2);
  const lines = [
    `command: ${cmd} (${ROUNDS} interleaved rounds; node ${process.version})`,
    `cached search via broker API, median: ${fmt(mb)} ms`,
    `cached search via broker.search() in-process (no HTTP hop), median: ${fmt(median(tUseCase))} ms`,
    `direct SDK SearchRelevantContent, median: ${fmt(md)} ms`,
    `ratio broker API/direct: ${(mb / md).toFixed(2)}; broker.search()/direct: ${(median(tUseCase) / md).toFixed(2)} (goal <= 1.2)`,
    `first search (full exchange), median over ${USERS} users: ${fmt(median(tFirst))} ms`,
    `searches per second, ${USERS} distinct cached users, 32 concurrent: ${Math.round(rps)}`,
    `heap per cached user: ${(perUser / 1024).toFixed(1)} KiB (heap now ${mib(process.memoryUsage().heapUsed)} MiB)`,
  ];
  console.log(lines.join('\n'));
  direct.destroy();
  gw.close();
} finally {
  await h.close();
}
