// The AWS sandbox half of bench/broker.bench.ts, in its own process: the broker e2e
// fixture (one ISV role, one Identity Center, one Q Business application) plus USERS
// extra Identity Center users u0..u{USERS-1}@corp.example. It trusts ISSUER (the app's
// issuer URL) and the data-accessor client DATA_ACCESSOR_CLIENT_ID.
import { parseFixture, startSandbox } from '../src/sandbox/index.js';
import { e2eFixture } from '../test/broker/e2e-fixture.js';

const env = process.env;
const raw = e2eFixture();
for (let i = 0; i < Number(env.BENCH_USERS ?? 100); i++) {
  raw.identityCenters[0]!.users.push({ userName: `u${i}`, emails: [`u${i}@corp.example`], groups: ['eng'] });
}
const fixture = parseFixture(raw, { ISSUER: env.ISSUER!, DATA_ACCESSOR_CLIENT_ID: env.DATA_ACCESSOR_CLIENT_ID! });
const sandbox = await startSandbox({ fixture, port: 0 });
const base = sandbox.fixture.principals[0]!;
process.send?.({ type: 'ready', url: sandbox.url, accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey });
process.on('SIGINT', () => process.exit(0));
