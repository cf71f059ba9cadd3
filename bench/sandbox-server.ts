// Child process for bench/sandbox.bench.ts: the demo fixture plus a synthetic corpus of
// 10,000 passages (2,500 documents × 4), served by the sandbox. Reports its URL, the demo
// tenant's details and memory.
import { loadFixture, startSandbox, demoSetup, DEMO_FIXTURE_PATH } from '../src/sandbox/index.js';

const WORDS = (
  'orbit satellite thermal battery antenna telemetry command uplink downlink ground station pass schedule ' +
  'propulsion thruster valve tank pressure sensor gyro wheel magnetorquer tracker camera payload storage flash ' +
  'software release test regression fault watchdog reset safe mode power solar array panel harness connector ' +
  'contract customer price discount quota pipeline forecast renewal invoice budget hiring policy travel expense ' +
  'security password vpn laptop network backup incident postmortem oncall alert dashboard metric latency error'
).split(' ');

// Plus 5,000 filler words drawn with a Zipf-like skew, so term frequencies look like prose.
const FILLER = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);

function paragraph(seed: number): string {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const words: string[] = [];
  for (let i = 0; i < 110; i++) {
    words.push(next() < 0.15 ? (WORDS[Math.floor(next() * WORDS.length)] as string) : (FILLER[Math.floor(FILLER.length * next() ** 3)] as string));
  }
  return `${words.join(' ')}.`;
}

const fixture = loadFixture(DEMO_FIXTURE_PATH, { ISSUER: process.env['ISSUER'] as string, DATA_ACCESSOR_CLIENT_ID: 'bench-client' });
const app = fixture.applications[0]!;
const groups = [undefined, ['engineering'], ['sales'], ['people-ops']];
for (let d = 0; d < 2500; d++) {
  const g = groups[d % groups.length];
  app.documents.push({
    id: `synthetic/${d}`,
    title: `Synthetic report ${d}`,
    content: [0, 1, 2, 3].map((p) => paragraph(d * 4 + p + 1)).join('\n\n'),
    ...(g ? { acl: { groups: g } } : {}),
    attributes: { department: ['engineering', 'sales', 'it', 'finance'][d % 4] as string, version: d % 20, tags: [`t${d % 7}`, `t${d % 11}`] },
  });
}
const before = process.memoryUsage();
const sandbox = await startSandbox({ fixture, port: 0 });
const chunks = sandbox.world.applications.get(app.applicationId)!.chunks.length;
const after = process.memoryUsage();
process.send?.({ type: 'ready', url: sandbox.url, chunks, rssBefore: before.rss, rssAfter: after.rss, setup: demoSetup(sandbox) });
process.on('message', (m: { type: string }) => {
  if (m.type === 'memory') {
    const mu = process.memoryUsage();
    process.send?.({ type: 'memory', rss: mu.rss, heapUsed: mu.heapUsed });
  } else if (m.type === 'stop') {
    void sandbox.close().then(() => process.exit(0));
  }
});
