import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoDirectory } from '../../src/broker/storage/memo-directory.js';
import { createRowCache } from '../../src/db/row-cache.js';
import type { ChangeFeed, ChangeSubscriber } from '../../src/db/changes.js';
import type { Directory, TenantRecord } from '../../src/broker/ports.js';

// A directory over a mutable map, counting reads, with an optional gate that holds reads
// open so a test can act while one is in flight.
function source() {
  const rows = new Map<string, TenantRecord>([['t1', { id: 't1', name: 'T', status: 'active', allowBackendAccess: false, auditQueryText: false }]]);
  let reads = 0;
  let gate: Promise<void> | undefined;
  const inner: Directory = {
    async tenant(id) {
      reads += 1;
      const row = rows.get(id) ? { ...rows.get(id)! } : null; // read now, as the database would
      await gate;
      return row;
    },
    user: async () => null,
    userByEmail: async () => null,
    allowedTenants: async () => null,
    dataAccessorClientId: async () => 'c',
  };
  return {
    inner,
    rows,
    reads: () => reads,
    hold: () => {
      let open!: () => void;
      gate = new Promise((ok) => {
        open = ok;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

/** A change feed the test drives: publish() delivers a change (as from another process), reset() a reconnect. */
function fakeFeed() {
  const subs = new Set<ChangeSubscriber>();
  return {
    connected: true as boolean,
    subscribe(sub: ChangeSubscriber) {
      subs.add(sub);
      return () => void subs.delete(sub);
    },
    publish(c: Parameters<ChangeFeed['publish']>[0]) {
      for (const s of subs) s.change(c);
    },
    reset() {
      for (const s of subs) s.reset();
    },
    subscribers: () => subs.size,
  } satisfies ChangeFeed & Record<string, unknown>;
}

const settle = () => new Promise((ok) => setImmediate(ok));

test('a record is reused within ttl, re-read in the background past half of it, and never served past ttl', async () => {
  const src = source();
  let now = 0;
  const memo = memoDirectory(src.inner, createRowCache({ ttlMs: 1000, now: () => now }));
  assert.equal((await memo.tenant('t1'))?.status, 'active');
  now = 400;
  await memo.tenant('t1');
  assert.equal(src.reads(), 1, 'young record served from memory');

  src.rows.get('t1')!.status = 'disabled'; // changed by another process
  now = 600;
  assert.equal((await memo.tenant('t1'))?.status, 'active', 'past half its life: still answered from memory');
  await settle();
  assert.equal(src.reads(), 2, 'and re-read once in the background');
  assert.equal((await memo.tenant('t1'))?.status, 'disabled', 'the next lookup sees the re-read record');
  assert.equal(src.reads(), 2);

  // Without traffic in the second half, an expired record is read before answering.
  src.rows.get('t1')!.status = 'active';
  now = 1700;
  assert.equal((await memo.tenant('t1'))?.status, 'active');
  assert.equal(src.reads(), 3);
});

test('a background re-read that started before an invalidation does not bring the old record back', async () => {
  const src = source();
  let now = 0;
  const memo = memoDirectory(src.inner, createRowCache({ ttlMs: 1000, now: () => now }));
  await memo.tenant('t1');
  now = 700;
  const release = src.hold();
  await memo.tenant('t1'); // starts the background re-read, held open
  src.rows.get('t1')!.status = 'disabled';
  memo.invalidateTenant('t1'); // this process disabled it
  release();
  await settle();
  assert.equal((await memo.tenant('t1'))?.status, 'disabled');
  assert.equal(src.reads(), 3, 'the stale re-read was dropped and the record read again');
});

test('unknown records are not remembered', async () => {
  const src = source();
  const memo = memoDirectory(src.inner, createRowCache({ ttlMs: 1000, now: () => 0 }));
  assert.equal(await memo.tenant('nope'), null);
  src.rows.set('nope', { id: 'nope', name: 'N', status: 'active', allowBackendAccess: false, auditQueryText: false });
  assert.equal((await memo.tenant('nope'))?.id, 'nope', 'a tenant added a moment ago is found');
});

test('a background re-read that finds the record gone drops it', async () => {
  const src = source();
  let now = 0;
  const memo = memoDirectory(src.inner, createRowCache({ ttlMs: 1000, now: () => now }));
  await memo.tenant('t1');
  src.rows.delete('t1'); // deleted by another process
  now = 600;
  assert.equal((await memo.tenant('t1'))?.id, 't1', 'still answered from memory');
  await settle();
  assert.equal(await memo.tenant('t1'), null, 'the re-read found nothing and was not kept');
  assert.equal(src.reads(), 3, 'so the next lookup read again');
});

test('the data-accessor client id is kept until a client changes; the ttl is asked at every lookup', async () => {
  let accessor = 'first';
  let reads = 0;
  const inner: Directory = {
    ...source().inner,
    dataAccessorClientId: async () => {
      reads += 1;
      return accessor;
    },
  };
  let now = 0;
  const feed = fakeFeed();
  const memo = memoDirectory(inner, createRowCache({ ttlMs: 1000, connectedTtlMs: 60_000, now: () => now, changes: feed }));
  assert.equal(await memo.dataAccessorClientId(), 'first');
  accessor = 'second';
  now = 5_000;
  assert.equal(await memo.dataAccessorClientId(), 'first', 'cached');
  feed.publish({ table: 'oidc_clients', id: 'any-client', tenantId: null }); // another process changed a client
  assert.equal(await memo.dataAccessorClientId(), 'second', 'read again after a client changed');
  assert.equal(reads, 2);

  feed.connected = false; // notifications down: the short fallback applies to what is already cached
  accessor = 'third';
  now = 6_500;
  assert.equal(await memo.dataAccessorClientId(), 'third');
  memo.clear();
  assert.equal(reads, 3);
});

test('one cache for every reader: a change notification drops each shape of the row, a reconnect drops everything, close() unsubscribes', async () => {
  const feed = fakeFeed();
  let now = 0;
  const rows = createRowCache({ ttlMs: 1000, now: () => now, changes: feed });
  let reads = 0;
  const load = (v: string) => async () => {
    reads += 1;
    return v;
  };
  await rows.get({ table: 'oidc_clients', id: 'c1', as: 'client' }, load('row'));
  await rows.get({ table: 'oidc_clients', id: 'c1', as: 'allowedTenants' }, load('tenants'));
  await rows.get({ table: 'oidc_clients', id: 'c2', as: 'client' }, load('other'));
  await rows.get({ table: 'tenants', id: 'c1' }, load('a tenant with the same id'));
  assert.equal(reads, 4);
  now = 20_000; // connected: rows live up to a minute, not the 1 s fallback
  await rows.get({ table: 'oidc_clients', id: 'c1', as: 'client' }, load('row'));
  assert.equal(reads, 4, 'still cached while notifications flow');

  feed.publish({ table: 'oidc_clients', id: 'c1', tenantId: null });
  await rows.get({ table: 'oidc_clients', id: 'c1', as: 'client' }, load('row'));
  await rows.get({ table: 'oidc_clients', id: 'c1', as: 'allowedTenants' }, load('tenants'));
  assert.equal(reads, 6, 'both shapes of the changed client were read again');
  await rows.get({ table: 'oidc_clients', id: 'c2', as: 'client' }, load('other'));
  await rows.get({ table: 'tenants', id: 'c1' }, load('a tenant with the same id'));
  assert.equal(reads, 6, 'other rows, and a row of another table with the same id, were kept');

  feed.reset();
  await rows.get({ table: 'tenants', id: 'c1' }, load('a tenant with the same id'));
  assert.equal(reads, 7, 'a reconnect drops everything (changes may have been missed)');

  rows.close();
  assert.equal(feed.subscribers(), 0);
});

test('ttl 0 caches nothing (tests, and processes that must always read)', async () => {
  const rows = createRowCache({ ttlMs: 0, now: () => 0, changes: fakeFeed() });
  let reads = 0;
  for (let i = 0; i < 3; i++) await rows.get({ table: 'users', id: 'u' }, async () => (reads += 1));
  assert.equal(reads, 3);
});

test('lookups of rows that do not exist leave nothing behind (no growth from made-up ids)', async () => {
  const rows = createRowCache({ ttlMs: 1000, now: () => 0, max: 10 });
  for (let i = 0; i < 1000; i++) assert.equal(await rows.get({ table: 'oidc_clients', id: `made-up-${i}`, as: 'client' }, async () => null), null);
  assert.deepEqual(rows.stats(), { values: 0, rows: 0 });
  await rows.get({ table: 'oidc_clients', id: 'real', as: 'client' }, async () => 'row');
  await rows.get({ table: 'oidc_clients', id: 'real', as: 'allowedTenants' }, async () => ['t']);
  assert.deepEqual(rows.stats(), { values: 2, rows: 1 });
  rows.invalidate('oidc_clients', 'real');
  assert.deepEqual(rows.stats(), { values: 0, rows: 0 });
});
