// OpenID Provider throughput and memory. Run: npm run bench:idp
// Full password logins use argon2id m=7 MiB, t=5, p=1 (Keycloak's default) so the figure
// compares with Keycloak's published ~15 logins/s per vCPU.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createPasswordHasher } from '../src/accounts/password.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { loadConfig } from '../src/config/load.js';
import { openDatabase } from '../src/db/database.js';
import { createServices } from '../src/services.js';
import { median, request, signIn, throughput, tokenRequest, mib } from './lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PORT = 39000 + Math.floor(Math.random() * 1000);
const ISSUER = `http://127.0.0.1:${PORT}`;
const REDIRECT = 'http://127.0.0.1:9/cb';
const ARGON = { memoryKib: 7168, timeCost: 5 };
const USERS = 50;

const database = await createTestDatabase();
const env = { ISSUER, PORT: String(PORT), DATABASE_URL: database.url, SECRET_KEY: randomBytes(32).toString('hex'), KEY_ACTIVATION_DELAY: '0' };
const config = loadConfig({ ...env, NODE_ENV: 'test' });
// Seeding needs only the services (as the admin CLI uses them), not a whole app with its
// provider and keys: the server process creates those at its own start.
const seedPool = openDatabase(database.url);
const seed = createServices(config, seedPool.database, { hasherOptions: { ...ARGON, parallelism: 1 } });
await seed.tenants.add({ id: 'bench', name: 'Bench' });
for (let i = 0; i < USERS; i++) await seed.accounts.addUser({ tenantId: 'bench', email: `u${i}@bench.test`, password: `password-${i}` });
const web = await seed.clients.add({ name: 'bench web', kind: 'web', firstParty: true, redirectUris: [REDIRECT] });
const svc = await seed.clients.add({ name: 'bench svc', kind: 'service', scopes: ['search'], allowedTenants: ['*'] });
await seedPool.close();

/**
 * The argon2id ceiling, measured here before the load (same parameters as the server, one
 * verify at a time: one core): verifies per second per core, and for the server's two
 * concurrent hashes (ARGON2_MAX_CONCURRENCY in idp-server.ts) on this machine's cores.
 */
async function argon2Ceiling() {
  const hasher = createPasswordHasher({ ...ARGON, parallelism: 1, maxConcurrency: 1 });
  const hash = await hasher.hash('ceiling-password');
  await hasher.verify(hash, 'ceiling-password'); // warm-up
  const n = 40;
  const started = performance.now();
  for (let i = 0; i < n; i++) await hasher.verify(hash, 'ceiling-password');
  const msPerVerify = (performance.now() - started) / n;
  const cores = Math.min(2, availableParallelism());
  return { msPerVerify, perCore: 1000 / msPerVerify, cores, ceiling: (1000 / msPerVerify) * cores };
}
const argon2 = await argon2Ceiling();

const child = fork(new URL('./idp-server.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [])],
  env: { ...process.env, ...env, BENCH_ARGON2_MEMORY_KIB: String(ARGON.memoryKib), BENCH_ARGON2_TIME_COST: String(ARGON.timeCost) },
});
await new Promise((ok) => child.once('message', ok));
const rss = () =>
  new Promise<number>((ok) => {
    child.once('message', (m: { rss: number }) => ok(m.rss));
    child.send({ rss: true });
  });

let userSeq = 0;
async function login(scope = 'openid email'): Promise<{ refresh?: string }> {
  const n = userSeq++ % USERS;
  const t = await signIn({
    issuer: ISSUER,
    client: web,
    redirectUri: REDIRECT,
    tenant: 'bench',
    email: `u${n}@bench.test`,
    password: `password-${n}`,
    scope,
    prompt: scope.includes('offline') ? 'consent' : undefined,
  });
  return { refresh: t.refresh_token };
}

async function clientCredentials() {
  await tokenRequest(ISSUER, svc, { grant_type: 'client_credentials', scope: 'search', resource: config.BROKER_AUDIENCE }, 'cc');
}

/** Each load loop owns one refresh token (its slot): rotation makes every refresh token single-use. */
const refreshTokens: string[] = [];
async function refresh(slot: number) {
  const t = await tokenRequest(ISSUER, web, { grant_type: 'refresh_token', refresh_token: refreshTokens[slot]! }, 'refresh');
  refreshTokens[slot] = t.refresh_token!;
}

let flip = 0;
async function metadata() {
  const r = await request(flip++ % 2 ? `${ISSUER}/jwks` : `${ISSUER}/.well-known/openid-configuration`);
  if (r.status !== 200) throw new Error(`metadata: ${r.status}`);
}

const idleRss = await rss();
const results: Record<string, number[]> = { logins: [], clientCredentials: [], refresh: [], metadata: [] };
const REFRESH_CONCURRENCY = 16;
for (let i = 0; i < REFRESH_CONCURRENCY; i++) refreshTokens.push((await login('openid offline_access')).refresh!);
for (let round = 0; round < ROUNDS; round++) {
  results.logins!.push((await throughput(() => login(), { seconds: SECONDS, concurrency: 8 })).perSecond);
  results.clientCredentials!.push((await throughput(clientCredentials, { seconds: SECONDS, concurrency: 32 })).perSecond);
  results.refresh!.push((await throughput(refresh, { seconds: SECONDS, concurrency: REFRESH_CONCURRENCY })).perSecond);
  results.metadata!.push((await throughput(metadata, { seconds: SECONDS, concurrency: 64 })).perSecond);
}
const burstStart = performance.now();
await Promise.all(Array.from({ length: 200 }, () => login()));
const burstSeconds = (performance.now() - burstStart) / 1000;
const burstRss = await rss();
child.kill('SIGINT');
await new Promise((ok) => child.once('exit', ok));
await database.drop();

const loginMedian = median(results.logins!);
const row = (name: string, values: number[], target: number) =>
  `| ${name} | ${Math.round(median(values))} | ${target} | ${values.map(Math.round).join(', ')} |`;
console.log(`
Command: npm run bench:idp   (node ${process.version}, ${ROUNDS} rounds x ${SECONDS}s, server in its own process)
| measure (per second) | median | target | rounds |
|---|---|---|---|
${row('full password logins (argon2id m=7 MiB t=5 p=1)', results.logins!, 45)}
${row('client-credentials grants', results.clientCredentials!, 600)}
${row('refresh grants (with rotation)', results.refresh!, 400)}
${row('JWKS + discovery requests', results.metadata!, 5000)}

Argon2id ceiling (measured in this run before the load, m=7 MiB t=5 p=1): ${argon2.msPerVerify.toFixed(1)} ms per verify on one core
= ${argon2.perCore.toFixed(1)} verifies/s per core; ${argon2.ceiling.toFixed(0)} logins/s on ${argon2.cores} core(s) if a login cost nothing else.
Full logins reached ${Math.round(loginMedian)}/s = ${((loginMedian / argon2.ceiling) * 100).toFixed(0)} % of that ceiling (the rest: HTTP, the provider, the database; BENCH_PROFILE=dir profiles the server, bench/profile-summary.ts summarises it).

| memory | RSS |
|---|---|
| server idle | ${mib(idleRss)} MiB |
| after a burst of 200 concurrent logins (${burstSeconds.toFixed(1)} s) | ${mib(burstRss)} MiB |
`);
process.exit(0);
