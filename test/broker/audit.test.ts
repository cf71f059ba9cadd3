// The audit trail's batching, over a fake pool that records each INSERT's row count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditTrail } from '../../src/broker/audit.js';
import type { Db } from '../../src/db/client.js';
import type { Sql } from '../../src/db/sql.js';
import type { Logger } from '../../src/shared/logger.js';

const event = { kind: 'search' as const, tenantId: 't', userId: null, serviceClientId: 'c', outcome: 'success' as const, errorCode: null, awsRequestIds: [], latencyMs: 1 };
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

test('rows are written in one batch after the delay; rows recorded during a write wait for the next batch; flush writes at once', async () => {
  const inserts: number[] = [];
  let gate: Promise<void> | undefined;
  let open!: () => void;
  const sql = {
    async query(_text: string, values: string[]) {
      inserts.push((JSON.parse(values[0]!) as unknown[]).length);
      await gate;
    },
  };
  const logger = { error() {}, warn() {} };
  const audit = createAuditTrail({ db: {} as Db, sql: sql as unknown as Sql, logger: logger as unknown as Logger, now: Date.now, retentionDays: 1 });

  gate = new Promise((ok) => { open = ok; }); // the first write stays open until released
  for (let i = 0; i < 3; i++) audit.record(event);
  assert.deepEqual(inserts, [], 'nothing is written at once');
  for (let i = 0; i < 50 && inserts.length === 0; i++) await sleep(20);
  assert.deepEqual(inserts, [3], 'one INSERT for the batch');

  audit.record(event);
  audit.record(event);
  gate = undefined;
  open();
  await sleep(50);
  assert.deepEqual(inserts, [3], 'rows recorded during the write wait for the batch delay');
  await audit.flush();
  assert.deepEqual(inserts, [3, 2], 'flush writes them without waiting');
  await audit.flush();
  assert.deepEqual(inserts, [3, 2], 'and nothing twice');
});

test('while the database is unavailable events are kept (up to the buffer size, the rest counted as dropped) and written once it is back', async () => {
  const written: number[] = [];
  let down = true;
  const sql = {
    async query(_text: string, values: string[]) {
      if (down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      written.push((JSON.parse(values[0]!) as unknown[]).length);
    },
  };
  const logger = { error() {}, warn() {}, info() {} };
  let dropped = 0;
  const audit = createAuditTrail({
    db: {} as Db, sql: sql as unknown as Sql, logger: logger as unknown as Logger, now: Date.now, retentionDays: 1, maxQueue: 3, onDropped: (n) => { dropped += n; },
  });
  for (let i = 0; i < 5; i++) audit.record(event);
  await audit.flush(); // gives up while the database is down, keeping the events
  assert.equal(dropped, 2, 'events beyond the buffer are counted');
  assert.equal(audit.pending(), 3);
  down = false;
  await audit.flush();
  assert.deepEqual(written, [3], 'the kept events are written once the database is back');
  assert.equal(audit.pending(), 0);
});
