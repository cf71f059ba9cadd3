// Broker benchmark, laid out as deployed on this machine: the AWS sandbox in one child
// process (bench/broker-sandbox.ts), tti-bridge (real createApp, real database) in another
// (bench/broker-server.ts), the load generator here. One run, one sandbox:
//   1. a cached search through the broker API (keep-alive HTTP/1.1) vs a direct SDK
//      SearchRelevantContent call from here with identity-enhanced credentials obtained
//      through the same STS / SSO-OIDC exchange (goal: broker median ≤ 1.2× direct);
//   2. first-search latency (full exchange) and searches/s over 100 distinct users;
//   3. memory per cached user, measured in the app process.
// Tokens are real: a client-credentials access token from the app's /token endpoint and
// user ID tokens from real sign-ins (authorization code + PKCE through the login form).
// Run: node --import tsx bench/broker.bench.ts
// BENCH_PROFILE=dir: --cpu-prof on the app process (whole run), plus one CPU profile per
// measured phase (dir/app-cached-rounds.cpuprofile, dir/app-throughput.cpuprofile).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { QBusinessClient, SearchRelevantContentCommand } from '@aws-sdk/client-qbusiness';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createAwsGateway } from '../src/broker/aws/gateway.js';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/shared/logger.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { FAST_ARGON2 } from '../test/helpers/idp.js';
import { IDS, tenantDetails } from '../test/broker/e2e-fixture.js';
import { median, mib, p90, request, signIn, throughput, tokenRequest } from './lib.js';

const USERS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 32;
const HEALTH_ROUNDS = 1000;
const DIRECT_CPU_ROUNDS = 500;
const PORT = 40000 + Math.floor(Math.random() * 1000);
const ISSUER = `http://127.0.0.1:${PORT}`;
const REDIRECT = 'http://127.0.0.1:9/cb';
const DATA_ACCESSOR = 'isv-data-accessor';
const TENANT = 'e2e-a';
const cmd = `node --import tsx bench/broker.bench.ts${process.env.BENCH_ROUNDS ? ` (BENCH_ROUNDS=${ROUNDS})` : ''}`;
const here = (f: string) => new URL(f, import.meta.url).pathname;
const PROFILE = process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : undefined;
if (PROFILE) mkdirSync(PROFILE, { recursive: true });

const ready = (child: ChildProcess) =>
  new Promise<Record<string, string>>((ok, fail) => {
    child.once('message', (m) => ok(m as Record<string, string>));
    child.once('exit', (code) => fail(new Error(`child exited (${code}) before it was ready`)));
  });
let seq = 0;
const ask = <T>(child: ChildProcess, msg: Record<string, unknown>) =>
  new Promise<T>((ok) => {
    const id = ++seq;
    const on = (m: { id?: number }) => {
      if (m.id === id) {
        child.off('message', on);
        ok(m as T);
      }
    };
    child.on('message', on);
    child.send({ ...msg, id });
  });

const database = await createTestDatabase();
const children: ChildProcess[] = [];
try {
  // 1. The sandbox, trusting the app's issuer URL (the app listens there shortly).
  const sandboxChild = fork(here('./broker-sandbox.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ISSUER, DATA_ACCESSOR_CLIENT_ID: DATA_ACCESSOR, BENCH_USERS: String(USERS) },
  });
  children.push(sandboxChild);
  const sb = await ready(sandboxChild);
  const sandboxUrl = sb.url!;

  // 2. Seed the database through the app's own services, as an operator would.
  // The sandbox runs in another process, as a deployment's private endpoint would: the operator lists it.
  const env = {
    ISSUER,
    PORT: String(PORT),
    DATABASE_URL: database.url,
    SECRET_KEY: randomBytes(32).toString('hex'),
    KEY_ACTIVATION_DELAY: '0',
    CREDENTIAL_CACHE_MAX: '10000',
    ENDPOINT_ALLOWLIST: sandboxUrl,
  };
  const config = loadConfig({ ...env, NODE_ENV: 'test' });
  const seed = await createApp({ config, logger: createLogger('silent'), hasherOptions: FAST_ARGON2 });
  await seed.services.tenants.add({ id: TENANT, name: 'A', ...tenantDetails(sandboxUrl) });
  await seed.services.clients.add({ name: 'ISV data accessor', kind: 'data-accessor', clientId: DATA_ACCESSOR });
  const web = await seed.services.clients.add({ name: 'bench web', kind: 'web', firstParty: true, redirectUris: [REDIRECT] });
  const svc = await seed.services.clients.add({ name: 'bench svc', kind: 'service', scopes: ['search'], allowedTenants: [TENANT] });
  const emails = ['alice@corp.example', ...Array.from({ length: USERS }, (_, i) => `u${i}@corp.example`)];
  const accounts = [];
  for (const email of emails) {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const u = await seed.services.accounts.addUser({ tenantId: TENANT, email, groups: ['eng'], password });
    accounts.push({ id: u.id, email, password });
  }
  await seed.close();

  // 3. The app, in its own process.
  const appChild = fork(here('./broker-server.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [])],
    env: { ...process.env, ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', BENCH_AWS_KEY_ID: sb.accessKeyId, BENCH_AWS_SECRET: sb.secretAccessKey },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(appChild);
  await ready(appChild);

  // 4. Real tokens: client credentials for the service, a sign-in per user.
  const cc = await tokenRequest(ISSUER, svc, { grant_type: 'client_credentials', scope: 'search', resource: config.BROKER_AUDIENCE }, 'client credentials');
  const serviceToken = cc.access_token!;
  const idTokens: string[] = [];
  for (const a of accounts) {
    const t = await signIn({
      issuer: ISSUER,
      client: web,
      redirectUri: REDIRECT,
      tenant: TENANT,
      email: a.email,
      password: a.password,
      scope: 'openid email tenant groups',
    });
    idTokens.push(t.id_token!);
  }

  const searchUrl = `${ISSUER}/api/v1/tenants/${TENANT}/search`;
  const headers = { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' };
  const bodyOf = (token: string) => JSON.stringify({ queryText: 'project x status', maxResults: 10, user: { token } });
  const search = async (body: string) => {
    const r = await request(searchUrl, { method: 'POST', headers, body });
    if (r.status !== 200) throw new Error(`broker ${r.status} ${r.body}`);
    return r.body;
  };
  const aliceBody = bodyOf(idTokens[0]!);
  const viaBroker = () => search(aliceBody);
  // The floor for any call to the app: one keep-alive round trip through the same middleware.
  const health = async () => {
    const r = await request(`${ISSUER}/healthz`);
    if (r.status !== 200) throw new Error(`healthz ${r.status}`);
  };

  // 5. Direct baseline: the same exchange from here, assertion from the app's own minter,
  //    then a plain SDK client (default HTTP/2 handler) against the same sandbox.
  const alice = accounts[0]!;
  const gw = createAwsGateway({ baseCredentials: { accessKeyId: sb.accessKeyId!, secretAccessKey: sb.secretAccessKey! } });
  const t = { id: TENANT, ...tenantDetails(sandboxUrl) };
  const first = await gw.assumeRole(t, { sessionName: 'bench' });
  const { token: assertion } = await ask<{ token: string }>(appChild, {
    type: 'mint',
    claims: { sub: alice.id, email: alice.email, email_verified: true, tenant_id: TENANT, groups: ['eng'] },
    audience: DATA_ACCESSOR,
    ttl: 300,
  });
  const idc = await gw.createTokenWithIam(t, first.credentials, assertion);
  const second = await gw.assumeRole(t, { sessionName: 'bench', identityContext: idc.identityContext });
  // The SDK's default client for Q Business: a new HTTP/2 connection per call.
  const direct = new QBusinessClient({ region: 'us-east-1', endpoint: sandboxUrl, credentials: second.credentials });
  // For scale only: the transport the broker itself uses (kept-alive HTTP/1.1).
  const keptAlive = new QBusinessClient({ region: 'us-east-1', endpoint: sandboxUrl, credentials: second.credentials, requestHandler: new NodeHttpHandler() });
  const searchWith = async (client: QBusinessClient) => {
    const out = await client.send(
      new SearchRelevantContentCommand({
        applicationId: IDS.app,
        contentSource: { retriever: { retrieverId: IDS.retriever } },
        queryText: 'project x status',
        maxResults: 10,
      }),
    );
    return out.relevantContent?.length ?? 0;
  };
  const viaSdk = () => searchWith(direct);
  // Same answer both ways (alice is in 'eng': the public docs and the eng document).
  const viaApiCount = (JSON.parse(await viaBroker()) as { results: unknown[] }).results.length;
  const directCount = await viaSdk();
  if (viaApiCount !== directCount) throw new Error(`broker returned ${viaApiCount} results, direct ${directCount}`);

  for (let i = 0; i < 200; i++) {
    await viaBroker();
    await viaSdk();
  } // warm-up: JIT, connections, cache
  const profile = async (phase: string, start: boolean) => {
    if (PROFILE) await ask(appChild, { type: 'profile', start, file: `${PROFILE}/app-${phase}.cpuprofile` });
  };
  const tBroker: number[] = [];
  const tDirect: number[] = [];
  const tHealth: number[] = [];
  type Cpu = { cpuMicros: number; busyMicros: number; gcCount: number; gcMicros: number };
  const cpuStats = () => ask<Cpu>(appChild, { type: 'cpu' });
  const cpu = async () => (await cpuStats()).cpuMicros;
  await profile('cached-rounds', true);
  const statsBefore = await cpuStats();
  for (let i = 0; i < ROUNDS; i++) {
    // interleaved, order alternating, so drift hits both equally
    const pair: [number[], () => Promise<unknown>][] =
      i % 2
        ? [
            [tBroker, viaBroker],
            [tDirect, viaSdk],
          ]
        : [
            [tDirect, viaSdk],
            [tBroker, viaBroker],
          ];
    for (const [xs, op] of pair) {
      const s = performance.now();
      await op();
      xs.push(performance.now() - s);
    }
  }
  const statsAfter = await cpuStats();
  const cpuPerSearch = (statsAfter.cpuMicros - statsBefore.cpuMicros) / ROUNDS; // only the broker calls reach the app
  const busyPerSearch = (statsAfter.busyMicros - statsBefore.busyMicros) / ROUNDS;
  const gcPerSearch = (statsAfter.gcMicros - statsBefore.gcMicros) / ROUNDS;
  const gcEvery = ROUNDS / Math.max(1, statsAfter.gcCount - statsBefore.gcCount);
  // The direct caller's CPU for the same call, for comparison with the app's.
  const ownBefore = process.cpuUsage();
  for (let i = 0; i < DIRECT_CPU_ROUNDS; i++) await viaSdk();
  const own = process.cpuUsage(ownBefore);
  const cpuPerDirect = (own.user + own.system) / DIRECT_CPU_ROUNDS;
  await profile('cached-rounds', false);
  for (let i = 0; i < HEALTH_ROUNDS; i++) {
    const s = performance.now();
    await health();
    tHealth.push(performance.now() - s);
  }
  const inProcess = await ask<{ median: number }>(appChild, {
    type: 'inProcess',
    rounds: HEALTH_ROUNDS,
    caller: { clientId: svc.clientId, scopes: ['search'] },
    req: { tenantId: TENANT, user: { token: idTokens[0] }, queryText: 'project x status', maxResults: 10 },
  });
  const tKeptAlive: number[] = [];
  for (let i = 0; i < 200; i++) await searchWith(keptAlive);
  for (let i = 0; i < HEALTH_ROUNDS; i++) {
    const s = performance.now();
    await searchWith(keptAlive);
    tKeptAlive.push(performance.now() - s);
  }

  // 6. 100 distinct users: first searches (full exchange each), memory, then throughput.
  type Mem = { rss: number; heapUsed: number; sessions: number };
  const before = await ask<Mem>(appChild, { type: 'memory' });
  const bodies = idTokens.slice(1).map(bodyOf);
  const tFirst: number[] = [];
  for (const b of bodies) {
    const s = performance.now();
    await search(b);
    tFirst.push(performance.now() - s);
  }
  const after = await ask<Mem>(appChild, { type: 'memory' });
  const cachedUsers = after.sessions - before.sessions;
  if (cachedUsers !== USERS) throw new Error(`expected ${USERS} new cached sessions, got ${cachedUsers}`);
  let n = 0;
  await profile('throughput', true);
  const cpuBeforeLoad = await cpu();
  const load = await throughput(() => search(bodies[n++ % USERS]!), { seconds: SECONDS, concurrency: CONCURRENCY });
  const cpuPerSearchLoaded = ((await cpu()) - cpuBeforeLoad) / load.count;
  await profile('throughput', false);
  const end = await ask<Mem>(appChild, { type: 'memory' });

  const mb = median(tBroker);
  const md = median(tDirect);
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const kib = (x: number) => `${(x / 1024).toFixed(1)} KiB`;
  console.log(`
Command: ${cmd}   (node ${process.version}; sandbox, app and load generator in three processes; ${ROUNDS} interleaved rounds)
| Measure | Result |
|---|---|
| Direct SDK \`SearchRelevantContent\` from the load process (identity-enhanced creds; the SDK's default client: a new HTTP/2 connection per call), median | ${ms(md)} (p90 ${ms(p90(tDirect))}) |
| Cached search via the broker HTTP API (\`POST /api/v1/tenants/{id}/search\`, keep-alive HTTP/1.1), median | ${ms(mb)} (p90 ${ms(p90(tBroker))}) |
| Ratio broker / direct (goal ≤ 1.2) | ${(mb / md).toFixed(2)}× |
| App process CPU per cached search (all threads incl. V8 GC helpers; includes the SDK call it makes), sequential / under load | ${(cpuPerSearch / 1000).toFixed(2)} ms / ${(cpuPerSearchLoaded / 1000).toFixed(2)} ms |
| App main thread per cached search: busy time (event-loop utilisation) / of which GC pauses (one every ${gcEvery.toFixed(1)} searches) | ${(busyPerSearch / 1000).toFixed(2)} ms / ${(gcPerSearch / 1000).toFixed(3)} ms |
| Load process CPU per direct SDK call (all threads), sequential | ${(cpuPerDirect / 1000).toFixed(2)} ms |
| For scale: the same direct call over a kept-alive HTTP/1.1 connection (the broker's own transport to Q Business), median of ${HEALTH_ROUNDS} | ${ms(median(tKeptAlive))} |
| For scale: the broker's cached search inside the app process (\`broker.search()\` back to back, no HTTP), median of ${HEALTH_ROUNDS} | ${ms(inProcess.median)} |
| For scale: a round trip to the app process, \`GET /healthz\` (same middleware, no auth, no AWS), median of ${HEALTH_ROUNDS} | ${ms(median(tHealth))} |
| First search, full exchange, median over ${USERS} distinct users | ${ms(median(tFirst))} (p90 ${ms(p90(tFirst))}) |
| Searches per second, ${USERS} distinct cached users, ${CONCURRENCY} concurrent | ${Math.round(load.perSecond)} |
| Memory per cached user in the app process (heap / RSS delta ÷ ${cachedUsers}) | ${kib((after.heapUsed - before.heapUsed) / cachedUsers)} heap / ${kib((after.rss - before.rss) / cachedUsers)} RSS |
| App process after the run | heap ${mib(end.heapUsed)} MiB, RSS ${mib(end.rss)} MiB |
`);
  direct.destroy();
  keptAlive.destroy();
  gw.close();
} finally {
  for (const c of children.reverse()) {
    if (c.exitCode === null) {
      const exited = new Promise((ok) => c.once('exit', ok));
      c.kill('SIGINT');
      await exited;
    }
  }
  await database.drop();
}
process.exit(0);
