import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPasswordHasher } from '../../src/accounts/password.js';
import { createLimiter } from '../../src/accounts/limiter.js';
import { FAST_ARGON2, fastHasher } from '../helpers/accounts.js';

test('hash is an argon2id PHC string carrying the configured parameters', async () => {
  const hasher = fastHasher({ memoryKib: 512, timeCost: 2, parallelism: 2 });
  const h = await hasher.hash('correct horse battery');
  assert.match(h, /^\$argon2id\$v=19\$/);
  assert.match(h.split('$')[3]!, /^(?=.*m=512)(?=.*t=2)(?=.*p=2)/);
  assert.deepEqual(await hasher.verify(h, 'correct horse battery'), { ok: true, needsRehash: false });
  assert.deepEqual(await hasher.verify(h, 'wrong horse battery'), { ok: false, needsRehash: false });
});

test('a hash made with other parameters still verifies and asks for a rehash', async () => {
  const old = await fastHasher({ memoryKib: 256 }).hash('s3cret-pass');
  const current = fastHasher({ memoryKib: 512 });
  assert.deepEqual(await current.verify(old, 's3cret-pass'), { ok: true, needsRehash: true });
  assert.deepEqual(await current.verify(old, 'nope-nope'), { ok: false, needsRehash: false });
});

test('a malformed stored hash is a failed verification, not an exception', async () => {
  assert.deepEqual(await fastHasher().verify('not-a-hash', 'x'), { ok: false, needsRehash: false });
});

test('the decoy runs a real argon2 verification with the same parameters', async () => {
  // Costly enough that skipping the hash would show, without timing ratios.
  const hasher = createPasswordHasher({ ...FAST_ARGON2, memoryKib: 16384, timeCost: 2 });
  const real = await hasher.hash('password-1');
  await hasher.verifyDecoy('warm-up'); // the decoy hash is computed once, on first use
  const timed = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  const realMs = await timed(() => hasher.verify(real, 'wrong-password'));
  const decoyMs = await timed(() => hasher.verifyDecoy('wrong-password'));
  assert.deepEqual(await hasher.verifyDecoy('password-1'), { ok: false, needsRehash: false });
  assert.ok(realMs > 5 && decoyMs > 5, `both paths hash (real ${realMs}ms, decoy ${decoyMs}ms)`);
});

test('parameters below argon2 limits are refused; the config minimums do not apply', () => {
  assert.throws(() => createPasswordHasher({ ...FAST_ARGON2, memoryKib: 4 }), /memoryKib/);
  assert.throws(() => createPasswordHasher({ ...FAST_ARGON2, timeCost: 0 }), /timeCost/);
  assert.doesNotThrow(() => createPasswordHasher({ ...FAST_ARGON2, memoryKib: 64, timeCost: 1 }));
});

test('hashing concurrency is bounded: extra calls queue instead of failing', async () => {
  const limiter = createLimiter(2);
  let running = 0;
  let peak = 0;
  const job = async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    return 1;
  };
  const results = await Promise.all(Array.from({ length: 10 }, () => limiter.run(job)));
  assert.equal(results.length, 10);
  assert.equal(peak, 2);
  assert.equal(limiter.active, 0);
});

test('a very long queue is refused with server_busy', async () => {
  const limiter = createLimiter(1, 1);
  let release!: () => void;
  const first = limiter.run(() => new Promise<void>((r) => (release = r)));
  const second = limiter.run(async () => 'queued');
  await assert.rejects(
    limiter.run(async () => 'too many'),
    { code: 'server_busy', status: 503 },
  );
  release();
  await first;
  assert.equal(await second, 'queued');
});

test('a burst of real hashes completes under a concurrency of 1', async () => {
  const hasher = fastHasher({ maxConcurrency: 1 });
  const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`pw-${i}-long`)));
  assert.equal(new Set(hashes).size, 6);
});
