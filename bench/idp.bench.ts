// OpenID Provider throughput and memory. Run: npm run bench:idp
// Full password logins use argon2id m=7 MiB, t=5, p=1 (Keycloak's default) so the figure
// compares with Keycloak's published ~15 logins/s per vCPU.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createTestDatabase } from '../test/helpers/db.js';
import { loadConfig } from '../src/config/load.js';
import { createDb } from '../src/db/client.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/shared/logger.js';
import { median, request, throughput, mib } from './lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PORT = 39000 + Math.floor(Math.random() * 1000);
const ISSUER = `http://127.0.0.1:${PORT}`;
const REDIRECT = 'http://127.0.0.1:9/cb';
const ARGON = { memoryKib: 7168, timeCost: 5 };
const USERS = 50;

const database = await createTestDatabase();
const env = { ISSUER, PORT: String(PORT), DATABASE_URL: database.url, SECRET_KEY: randomBytes(32).toString('hex'), KEY_ACTIVATION_DELAY: '0' };
const seedApp = await createApp({ config: loadConfig({ ...env, NODE_ENV: 'test' }), db: createDb(database.url), logger: createLogger('silent'), hasherOptions: { ...ARGON, parallelism: 1 } });
await seedApp.tenants.add({ id: 'bench', name: 'Bench' });
for (let i = 0; i < USERS; i++) await seedApp.accounts.addUser({ tenantId: 'bench', email: `u${i}@bench.test`, password: `password-${i}` });
const web = await seedApp.clients.add({ name: 'bench web', kind: 'web', firstParty: true, redirectUris: [REDIRECT] });
const svc = await seedApp.clients.add({ name: 'bench svc', kind: 'service', scopes: ['search'], allowedTenants: ['*'] });
await seedApp.close();

const child = fork(new URL('./idp-server.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [])],
  env: { ...process.env, ...env, BENCH_ARGON2_MEMORY_KIB: String(ARGON.memoryKib), BENCH_ARGON2_TIME_COST: String(ARGON.timeCost) },
});
await new Promise((ok) => child.once('message', ok));
const rss = () => new Promise<number>((ok) => { child.once('message', (m: { rss: number }) => ok(m.rss)); child.send({ rss: true }); });

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const keep = (jar: Map<string, string>, setCookie: string[] | undefined) => {
  for (const c of setCookie ?? []) { const [p] = c.split(';'); const i = p!.indexOf('='); jar.set(p!.slice(0, i), p!.slice(i + 1)); }
};

let userSeq = 0;
async function login(scope = 'openid email'): Promise<{ refresh?: string }> {
  const n = userSeq++ % USERS;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const jar = new Map<string, string>();
  const q = new URLSearchParams({ client_id: web.clientId, response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256', ...(scope.includes('offline') ? { prompt: 'consent' } : {}) });
  let r = await request(`${ISSUER}/auth?${q}`);
  keep(jar, r.headers['set-cookie']);
  const interaction = r.headers.location!;
  r = await request(`${ISSUER}${interaction}`, { headers: { cookie: cookieHeader(jar) } });
  r = await request(`${ISSUER}${interaction}/login`, { method: 'POST', headers: { ...form, cookie: cookieHeader(jar) }, body: new URLSearchParams({ tenant: 'bench', email: `u${n}@bench.test`, password: `password-${n}` }).toString() });
  keep(jar, r.headers['set-cookie']);
  for (let i = 0; i < 4 && !r.headers.location!.startsWith(REDIRECT); i++) {
    const next = new URL(r.headers.location!, ISSUER).toString();
    r = await request(next, { headers: { cookie: cookieHeader(jar) } });
    keep(jar, r.headers['set-cookie']);
    if (r.status === 200) { // consent page (offline_access): approve
      const uid = /\/interaction\/([^/"]+)\/confirm/.exec(r.body)![1];
      r = await request(`${ISSUER}/interaction/${uid}/confirm`, { method: 'POST', headers: { ...form, cookie: cookieHeader(jar) } });
      keep(jar, r.headers['set-cookie']);
    }
  }
  const code = new URL(r.headers.location!).searchParams.get('code')!;
  const t = await request(`${ISSUER}/token`, { method: 'POST', headers: { ...form, authorization: basic(web.clientId, web.clientSecret!) }, body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString() });
  if (t.status !== 200) throw new Error(`token: ${t.status} ${t.body}`);
  return { refresh: JSON.parse(t.body).refresh_token };
}

async function clientCredentials() {
  const r = await request(`${ISSUER}/token`, { method: 'POST', headers: { ...form, authorization: basic(svc.clientId, svc.clientSecret!) }, body: `grant_type=client_credentials&scope=search&resource=${encodeURIComponent(`${ISSUER}/api`)}` });
  if (r.status !== 200) throw new Error(`cc: ${r.status} ${r.body}`);
}

const refreshTokens: string[] = [];
async function refresh(slot: number) {
  const r = await request(`${ISSUER}/token`, { method: 'POST', headers: { ...form, authorization: basic(web.clientId, web.clientSecret!) }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshTokens[slot]! }).toString() });
  if (r.status !== 200) throw new Error(`refresh: ${r.status} ${r.body}`);
  refreshTokens[slot] = JSON.parse(r.body).refresh_token;
}

/** Each loop owns one refresh token: rotation makes every refresh token single-use. */
async function refreshThroughput(): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  let done = 0;
  await Promise.all(refreshTokens.map(async (_, slot) => {
    while (performance.now() < end) { await refresh(slot); done++; }
  }));
  return done / ((performance.now() - start) / 1000);
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
  results.logins!.push(await throughput(() => login().then(() => {}), { seconds: SECONDS, concurrency: 8 }));
  results.clientCredentials!.push(await throughput(clientCredentials, { seconds: SECONDS, concurrency: 32 }));
  results.refresh!.push(await refreshThroughput());
  results.metadata!.push(await throughput(metadata, { seconds: SECONDS, concurrency: 64 }));
}
const burstStart = performance.now();
await Promise.all(Array.from({ length: 200 }, () => login()));
const burstSeconds = (performance.now() - burstStart) / 1000;
const burstRss = await rss();
child.kill('SIGINT');
await new Promise((ok) => child.once('exit', ok));
await database.drop();

const row = (name: string, values: number[], target: number) => `| ${name} | ${Math.round(median(values))} | ${target} | ${values.map(Math.round).join(', ')} |`;
console.log(`
Command: npm run bench:idp   (node ${process.version}, ${ROUNDS} rounds x ${SECONDS}s, server in its own process)
| measure (per second) | median | target | rounds |
|---|---|---|---|
${row('full password logins (argon2id m=7 MiB t=5 p=1)', results.logins!, 45)}
${row('client-credentials grants', results.clientCredentials!, 600)}
${row('refresh grants (with rotation)', results.refresh!, 400)}
${row('JWKS + discovery requests', results.metadata!, 5000)}

| memory | RSS |
|---|---|
| server idle | ${mib(idleRss)} MiB |
| after a burst of 200 concurrent logins (${burstSeconds.toFixed(1)} s) | ${mib(burstRss)} MiB |
`);
process.exit(0);
