// Throughput of the sandbox's SearchRelevantContent over 10,000 passages, measured with
// pre-signed requests on raw HTTP/2 so the load generator is not the bottleneck (a signed
// request stays valid for 15 minutes; AWS accepts repeats too). The sandbox runs in a child
// process. Run: node --import tsx bench/sandbox.bench.ts
import { fork } from 'node:child_process';
import http2 from 'node:http2';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { SSOOIDCClient, CreateTokenWithIAMCommand } from '@aws-sdk/client-sso-oidc';
import { IDENTITY_CENTER_PROVIDER_ARN, type TenantSetup } from '../src/sandbox/index.js';
import { startTestIssuer } from '../test/sandbox/issuer.js';

const DURATION_MS = Number(process.env['BENCH_MS'] ?? 5000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const RUNS = 3;
const QUERIES = [
  'thermal battery test',
  'customer price discount',
  'vpn laptop security',
  'ground station pass schedule',
  'watchdog reset safe mode',
  'solar array power harness',
  'hiring budget forecast',
  'telemetry downlink latency',
];

type Source = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Source): string | Uint8Array =>
  typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);
class Sha256 {
  private readonly h;
  constructor(secret?: Source) {
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(d: Source): void {
    this.h.update(bytes(d));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

const issuer = await startTestIssuer({ audience: 'bench-client', now: Date.now });
const child = fork(new URL('./sandbox-server.ts', import.meta.url), [], {
  execArgv: ['--import', 'tsx', ...(process.env['BENCH_PROF'] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/sbx/prof'] : [])],
  env: { ...process.env, ISSUER: issuer.url },
});
const ask = <T>(msg: object, type: string) =>
  new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    if (Object.keys(msg).length) child.send(msg);
  });
// The child reports the tenant details from its started sandbox (no second fixture load and world build here).
const ready = await ask<{ url: string; chunks: number; rssBefore: number; rssAfter: number; setup: TenantSetup }>({}, 'ready');
const setup = ready.setup;

// The ISV flow once, through the SDK, for alice's identity-enhanced credentials.
const base = { accessKeyId: setup.accessKeyId, secretAccessKey: setup.secretAccessKey };
const sts = new STSClient({ region: 'us-east-1', endpoint: ready.url, credentials: base });
const assume = async (extra = {}) =>
  (
    await sts.send(
      new AssumeRoleCommand({
        RoleArn: setup.roleArn,
        RoleSessionName: 'bench',
        Tags: [{ Key: 'qbusiness-dataaccessor:ExternalId', Value: 'demo' }],
        ...extra,
      }),
    )
  ).Credentials!;
const c1 = await assume();
const oidc = new SSOOIDCClient({
  region: setup.idcRegion,
  endpoint: ready.url,
  credentials: { accessKeyId: c1.AccessKeyId!, secretAccessKey: c1.SecretAccessKey!, sessionToken: c1.SessionToken! },
});
const tok = await oidc.send(
  new CreateTokenWithIAMCommand({
    clientId: setup.idcApplicationArn,
    grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: await issuer.mint({ email: 'alice@example.com' }),
  }),
);
const c2 = await assume({ ProvidedContexts: [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: tok.awsAdditionalDetails!.identityContext! }] });

const url = new URL(ready.url);
const signer = new SignatureV4({
  service: 'qbusiness',
  region: setup.qbusinessRegion,
  sha256: Sha256,
  credentials: { accessKeyId: c2.AccessKeyId!, secretAccessKey: c2.SecretAccessKey!, sessionToken: c2.SessionToken! },
});
const path = `/applications/${setup.applicationId}/relevant-content`;
const signed = await Promise.all(
  QUERIES.map(async (q) => {
    const body = JSON.stringify({ queryText: q, contentSource: { retriever: { retrieverId: setup.retrieverId } }, maxResults: 10 });
    const req = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: { 'content-type': 'application/json', ':authority': url.host },
      body,
    });
    const headers: Record<string, string> = { ':method': 'POST', ':path': path };
    for (const [k, v] of Object.entries(req.headers)) if (k !== ':authority') headers[k] = v;
    return { headers: { ...headers, ':authority': url.host }, body };
  }),
);

const session = http2.connect(ready.url);
function once(i: number): Promise<number> {
  const t0 = performance.now();
  const r = signed[i % signed.length]!;
  return new Promise((resolve, reject) => {
    const s = session.request(r.headers);
    let status = 0;
    s.on('response', (h) => {
      status = Number(h[':status']);
    });
    s.on('data', () => {});
    s.on('end', () => (status === 200 ? resolve(performance.now() - t0) : reject(new Error(`HTTP ${status}`))));
    s.on('error', reject);
    s.end(r.body);
  });
}
async function run(): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const end = performance.now() + DURATION_MS;
  let i = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) lat.push(await once(i++));
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rps: lat.length / secs, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

for (let w = 0; w < 500; w++) await once(w); // warm-up
const runs = [];
for (let r = 0; r < RUNS; r++) runs.push(await run());
const mem = await ask<{ rss: number; heapUsed: number }>({ type: 'memory' }, 'memory');
console.log(`command: node --import tsx bench/sandbox.bench.ts  (BENCH_MS=${DURATION_MS} BENCH_CONCURRENCY=${CONCURRENCY})`);
console.log(`corpus: ${ready.chunks} passages (${setup.applicationId})`);
console.log(`SearchRelevantContent over h2c, ${CONCURRENCY} in flight, ${RUNS} runs of ${DURATION_MS} ms:`);
for (const r of runs) console.log(`  ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
console.log(
  `median: ${median(runs.map((r) => r.rps)).toFixed(0)} req/s, p50 latency ${median(runs.map((r) => r.p50)).toFixed(2)} ms, p99 ${median(runs.map((r) => r.p99)).toFixed(2)} ms`,
);
console.log(
  `sandbox memory: rss ${mb(ready.rssBefore)} before start, ${mb(ready.rssAfter)} after indexing, ${mb(mem.rss)} after the runs (heap used ${mb(mem.heapUsed)})`,
);
session.close();
sts.destroy();
oidc.destroy();
child.send({ type: 'stop' });
await issuer.close();
