import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionCache } from '../../src/broker/cache.js';

const make = (max = 3, marginMs = 1000) => {
  let now = 0;
  const cache = new SessionCache<string>({ max, refreshMarginMs: marginMs, now: () => now });
  return {
    cache,
    tick: (ms: number) => {
      now += ms;
    },
    at: () => now,
  };
};

test('concurrent misses for one key share one load', async () => {
  const { cache } = make();
  let loads = 0;
  const load = async () => {
    loads += 1;
    await new Promise((r) => setTimeout(r, 10));
    return { value: 'v', expiresAt: 60_000 };
  };
  const values = await Promise.all(Array.from({ length: 50 }, () => cache.get('t', 'u', load)));
  assert.equal(loads, 1);
  assert.ok(values.every((v) => v === 'v'));
  assert.equal(await cache.get('t', 'u', load), 'v');
  assert.equal(loads, 1, 'served from cache');
});

test('a failed load is not cached and all waiters see the failure', async () => {
  const { cache } = make();
  let loads = 0;
  const bad = async () => {
    loads += 1;
    throw new Error('boom');
  };
  const results = await Promise.allSettled([cache.get('t', 'u', bad), cache.get('t', 'u', bad)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(loads, 1);
  assert.equal(cache.size, 0);
  assert.equal(await cache.get('t', 'u', async () => ({ value: 'ok', expiresAt: 60_000 })), 'ok');
});

test('entries are replaced refreshMargin before expiry; short sessions keep half their life', async () => {
  const { cache, tick } = make(3, 10_000);
  let n = 0;
  const load = async () => ({ value: `v${++n}`, expiresAt: 60_000 });
  assert.equal(await cache.get('t', 'u', load), 'v1');
  tick(49_000);
  assert.equal(await cache.get('t', 'u', load), 'v1');
  tick(2_000); // 51 s: inside the 10 s margin
  assert.equal(await cache.get('t', 'u', load), 'v2');
  const short = make(3, 300_000);
  let m = 0;
  const shortLoad = async () => ({ value: `s${++m}`, expiresAt: short.at() + 10_000 });
  assert.equal(await short.cache.get('t', 'u', shortLoad), 's1');
  short.tick(4_000);
  assert.equal(await short.cache.get('t', 'u', shortLoad), 's1', 'still cached for half its life');
  short.tick(2_000);
  assert.equal(await short.cache.get('t', 'u', shortLoad), 's2');
});

test('LRU eviction keeps the most recently used entries', async () => {
  const { cache } = make(2);
  const load = (v: string) => async () => ({ value: v, expiresAt: 60_000 });
  await cache.get('t', 'a', load('a'));
  await cache.get('t', 'b', load('b'));
  await cache.get('t', 'a', load('x')); // touch a
  await cache.get('t', 'c', load('c')); // evicts b
  assert.equal(cache.size, 2);
  assert.equal(await cache.get('t', 'a', load('a2')), 'a');
  assert.equal(await cache.get('t', 'b', load('b2')), 'b2');
});

test('evicting a tenant or user drops entries and in-flight results', async () => {
  const { cache } = make(10);
  const load = (v: string) => async () => ({ value: v, expiresAt: 60_000 });
  await cache.get('t1', 'a', load('a'));
  await cache.get('t1', 'b', load('b'));
  await cache.get('t2', 'a', load('t2a'));
  cache.evictTenant('t1');
  assert.equal(cache.size, 1);
  let release!: () => void;
  const slow = cache.get(
    't2',
    'b',
    () =>
      new Promise((r) => {
        release = () => r({ value: 'late', expiresAt: 60_000 });
      }),
  );
  await new Promise((r) => setImmediate(r));
  cache.evict('t2', 'b');
  release();
  assert.equal(await slow, 'late', 'the waiter still gets its result');
  assert.equal(await cache.get('t2', 'b', load('fresh')), 'fresh', 'but nothing was cached');
});

test('evictValue only drops the session that failed', async () => {
  const { cache } = make();
  const first = await cache.get('t', 'u', async () => ({ value: 'old', expiresAt: 60_000 }));
  cache.evictValue('t', 'u', first);
  const second = await cache.get('t', 'u', async () => ({ value: 'new', expiresAt: 60_000 }));
  cache.evictValue('t', 'u', first);
  assert.equal(await cache.get('t', 'u', async () => ({ value: 'newer', expiresAt: 60_000 })), second);
});
