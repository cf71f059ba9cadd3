// The audit trail against a real database, through Kysely over a pool that lets a test see
// each statement (the rows of each INSERT), hold it, or send it to a stopped server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { createAuditTrail } from '../../src/broker/audit.js';
import { poolConfig } from '../../src/db/pool.js';
import { createDatabase } from '../../src/db/database.js';
import type { Logger } from '../../src/shared/logger.js';
import { useTestDatabase } from '../helpers/db.js';

const event = {
  kind: 'search' as const,
  tenantId: 't',
  userId: null,
  serviceClientId: 'c',
  outcome: 'success' as const,
  errorCode: null,
  awsRequestIds: [],
  latencyMs: 1,
};
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
let seq = 0;
const uniqueTenant = () => `audit-${process.pid}-${++seq}`;

/** Nothing listens on port 1: connecting fails at once with the real ECONNREFUSED. */
const STOPPED = 'postgres://postgres@127.0.0.1:1/postgres';
const pools: pg.Pool[] = [];
// Registered before useTestDatabase's own: the pools close before the database is dropped.
after(async () => {
  await Promise.all(pools.map((p) => p.end()));
});
const shared = useTestDatabase();

/**
 * The real createDatabase over the test database's pool, with hooks: `statement` sees each
 * statement first (and may hold it); while `down()` is true connections go to a stopped server.
 */
function hookedDatabase(hooks: { statement?: (text: string, values: unknown[]) => Promise<void> | void; down?: () => boolean }) {
  const live = new pg.Pool(poolConfig(shared.url));
  const stopped = new pg.Pool(poolConfig(STOPPED));
  pools.push(live, stopped);
  // pool.end() resolves before its sockets close; the forced DROP at the end then cuts them.
  for (const p of [live, stopped]) p.on('error', () => {});
  const pool = {
    async connect() {
      const client = await (hooks.down?.() ? stopped : live).connect();
      return {
        async query(text: string, values: unknown[]) {
          await hooks.statement?.(text, values);
          return client.query(text, values);
        },
        release: () => client.release(),
      };
    },
    end: async () => {},
  };
  return createDatabase(pool as unknown as pg.Pool);
}

/** The rows of each INSERT INTO audit_events seen, in order. */
function insertCounter() {
  const inserts: number[] = [];
  const statement = (text: string, values: unknown[]) => {
    if (!/^insert into "audit_events"/i.test(text)) return;
    const columns = text.slice(text.indexOf('(') + 1, text.indexOf(')')).split(',').length;
    inserts.push(values.length / columns);
  };
  return { inserts, statement };
}

function capture() {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => {
    lines.push(typeof obj === 'string' ? { level, obj: {}, msg: obj } : { level, obj, msg });
  };
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger };
}

const rowsOf = async (tenantId: string) =>
  await shared.database.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();

test('rows are written in one batch after the delay; rows recorded during a write wait for the next batch; flush writes at once', async () => {
  const tenantId = uniqueTenant();
  const { inserts, statement } = insertCounter();
  let gate: Promise<void> | undefined;
  let open!: () => void;
  const database = hookedDatabase({
    statement: async (text, values) => {
      statement(text, values);
      await gate;
    },
  });
  const audit = createAuditTrail({ database, logger: capture().logger, now: Date.now, retentionDays: 1 });

  gate = new Promise((ok) => {
    open = ok;
  }); // the first write stays open until released
  for (let i = 0; i < 3; i++) audit.record({ ...event, tenantId });
  assert.deepEqual(inserts, [], 'nothing is written at once');
  for (let i = 0; i < 50 && inserts.length === 0; i++) await sleep(20);
  assert.deepEqual(inserts, [3], 'one INSERT for the batch');

  audit.record({ ...event, tenantId });
  audit.record({ ...event, tenantId });
  gate = undefined;
  open();
  await sleep(50);
  assert.deepEqual(inserts, [3], 'rows recorded during the write wait for the batch delay');
  assert.equal((await rowsOf(tenantId)).length, 3, 'the first batch is in the table');
  await audit.flush();
  assert.deepEqual(inserts, [3, 2], 'flush writes them without waiting');
  await audit.flush();
  assert.deepEqual(inserts, [3, 2], 'and nothing twice');
  assert.equal((await rowsOf(tenantId)).length, 5);
});

test('while the database is unavailable events are kept (up to the buffer size, the rest counted as dropped) and written once it is back', async () => {
  const tenantId = uniqueTenant();
  const { inserts, statement } = insertCounter();
  let down = true;
  const database = hookedDatabase({ statement, down: () => down });
  const { lines, logger } = capture();
  let dropped = 0;
  const audit = createAuditTrail({
    database,
    logger,
    now: Date.now,
    retentionDays: 1,
    maxQueue: 3,
    onDropped: (n) => {
      dropped += n;
    },
  });
  for (let i = 0; i < 5; i++) audit.record({ ...event, tenantId, latencyMs: i });
  await audit.flush(); // gives up while the database is down, keeping the events
  assert.equal(dropped, 2, 'events beyond the buffer are counted');
  assert.equal(audit.pending(), 3);
  assert.deepEqual(inserts, [], 'no statement reached a server');
  assert.ok(
    lines.some((l) => l.level === 'warn' && /database unavailable, events kept/.test(l.msg ?? '')),
    'the outage is logged',
  );
  down = false;
  await audit.flush();
  assert.deepEqual(inserts, [3], 'the kept events are written once the database is back, in one INSERT');
  assert.equal(audit.pending(), 0);
  assert.deepEqual(
    (await rowsOf(tenantId)).map((r) => r.latency_ms),
    [0, 1, 2],
    'the oldest kept, in order',
  );
  assert.ok(lines.some((l) => l.level === 'info' && l.msg === 'audit writes resumed'));
});

test('text PostgreSQL refuses is stored as U+FFFD; a row the database refuses costs only itself, the batch is retried row by row', async () => {
  const tenantId = uniqueTenant();
  const { inserts, statement } = insertCounter();
  const database = hookedDatabase({ statement });
  const { lines, logger } = capture();
  let dropped = 0;
  const audit = createAuditTrail({
    database,
    logger,
    now: Date.now,
    retentionDays: 1,
    onDropped: (n) => {
      dropped += n;
    },
  });
  audit.record({ ...event, tenantId, queryText: 'before\u0000after', detail: { note: 'x\u0000y', lone: 'a\ud800b', ['k\u0000']: ['\udc00'] } });
  audit.record({ ...event, tenantId, latencyMs: 1e12 }); // beyond INTEGER: refused by the database itself
  audit.record({ ...event, tenantId, awsRequestIds: ['req-1', 'req\u00002'], latencyMs: 2.6 });
  await audit.flush();
  assert.deepEqual(inserts, [3, 1, 1, 1], 'the batch, then row by row');
  assert.equal(dropped, 1);
  assert.equal(audit.pending(), 0);
  assert.ok(lines.some((l) => l.level === 'error' && /refused by the database: dropped/.test(l.msg ?? '')));
  const rows = await rowsOf(tenantId);
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.query_text, 'before\uFFFDafter');
  assert.deepEqual(rows[0]!.detail, { note: 'x\uFFFDy', lone: 'a\uFFFDb', 'k\uFFFD': ['\uFFFD'] });
  assert.deepEqual(rows[1]!.aws_request_ids, ['req-1', 'req\uFFFD2']);
  assert.equal(rows[1]!.latency_ms, 3, 'latency rounded to whole ms');
  assert.equal(rows[1]!.detail, null, 'no detail is SQL NULL');
});

test('an outage during the row-by-row retry keeps the unwritten rest, oldest first, and writes it once the database is back', async () => {
  const tenantId = uniqueTenant();
  const { inserts, statement } = insertCounter();
  let down = false;
  // The database stops right after the batch's first row was written on its own.
  const database = hookedDatabase({
    statement: (text, values) => {
      statement(text, values);
      if (inserts.length === 2) down = true;
    },
    down: () => down,
  });
  let dropped = 0;
  const audit = createAuditTrail({
    database,
    logger: capture().logger,
    now: Date.now,
    retentionDays: 1,
    onDropped: (n) => {
      dropped += n;
    },
  });
  audit.record({ ...event, tenantId, latencyMs: 1 });
  audit.record({ ...event, tenantId, latencyMs: 1e12 });
  audit.record({ ...event, tenantId, latencyMs: 3 });
  await audit.flush();
  assert.deepEqual(inserts, [3, 1]);
  assert.equal(audit.pending(), 2, 'the refused row and the one after it wait for the database');
  assert.equal(dropped, 0, 'nothing is dropped while the database is unavailable');
  down = false;
  await audit.flush();
  assert.deepEqual(inserts, [3, 1, 2, 1, 1]);
  assert.equal(dropped, 1);
  assert.deepEqual(
    (await rowsOf(tenantId)).map((r) => r.latency_ms),
    [1, 3],
  );
});

test('list: newest first, filters, tenant scope, pages by cursor; ids are decimal strings and times ISO strings', async () => {
  const [a, b] = [uniqueTenant(), uniqueTenant()];
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const audit = createAuditTrail({ database: shared.database, logger: capture().logger, now: () => clock, retentionDays: 1 });
  for (let i = 0; i < 5; i++) {
    audit.record({
      ...event,
      tenantId: a,
      userId: `u${i % 2}`,
      outcome: i === 4 ? 'failure' : 'success',
      errorCode: i === 4 ? 'throttled' : null,
      latencyMs: i,
      detail: i === 0 ? { n: 1 } : null,
    });
    clock += 60_000;
  }
  audit.record({ ...event, kind: 'check', tenantId: b, awsRequestIds: ['r1'] });
  audit.record({ ...event, tenantId: null });
  await audit.flush();

  const all = await audit.list({ tenantId: a });
  assert.equal(all.events.length, 5);
  assert.equal(all.nextCursor, null);
  assert.deepEqual(
    all.events.map((e) => e.latencyMs),
    [4, 3, 2, 1, 0],
    'newest first',
  );
  const first = all.events[4]!;
  assert.match(first.id, /^\d+$/);
  assert.equal(first.at, '2030-01-01T00:00:00.000Z');
  assert.deepEqual(first.detail, { n: 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(first)), {
    id: first.id,
    at: '2030-01-01T00:00:00.000Z',
    kind: 'search',
    tenantId: a,
    userId: 'u0',
    serviceClientId: 'c',
    outcome: 'success',
    errorCode: null,
    awsRequestIds: [],
    latencyMs: 0,
    queryText: null,
    detail: { n: 1 },
  });

  const page1 = await audit.list({ tenantId: a, limit: 2 });
  assert.deepEqual(
    page1.events.map((e) => e.latencyMs),
    [4, 3],
  );
  assert.equal(page1.nextCursor, page1.events[1]!.id);
  const page2 = await audit.list({ tenantId: a, limit: 2, before: page1.nextCursor! });
  assert.deepEqual(
    page2.events.map((e) => e.latencyMs),
    [2, 1],
  );
  const page3 = await audit.list({ tenantId: a, limit: 2, before: page2.nextCursor! });
  assert.deepEqual(
    page3.events.map((e) => e.latencyMs),
    [0],
  );
  assert.equal(page3.nextCursor, null);

  assert.deepEqual(
    (await audit.list({ tenantId: a, userId: 'u1' })).events.map((e) => e.latencyMs),
    [3, 1],
  );
  assert.deepEqual(
    (await audit.list({ tenantId: a, outcome: 'failure', errorCode: 'throttled' })).events.map((e) => e.latencyMs),
    [4],
  );
  const since = new Date('2030-01-01T00:01:00.000Z');
  const until = new Date('2030-01-01T00:03:00.000Z');
  assert.deepEqual(
    (await audit.list({ tenantId: a, since, until })).events.map((e) => e.latencyMs),
    [2, 1],
    'since inclusive, until exclusive',
  );
  assert.deepEqual(
    (await audit.list({ tenantIds: [b], kind: 'check' })).events.map((e) => e.awsRequestIds),
    [['r1']],
  );
  assert.deepEqual(
    (await audit.list({ tenantIds: [a, b], serviceClientId: 'c', limit: 500 })).events.filter((e) => e.tenantId === null),
    [],
    'no tenant: left out of a scoped list',
  );
  assert.deepEqual(await audit.list({ tenantIds: [] }), { events: [], nextCursor: null }, 'no allowed tenant: nothing');
  assert.ok(
    (await audit.list({ limit: 500 })).events.some((e) => e.tenantId === null),
    'unscoped lists include events with no tenant',
  );
  await assert.rejects(audit.list({ before: 'x' }), SyntaxError, 'a cursor that is no number');
});

test('list: a row whose aws_request_ids is NULL (the column allows it) lists awsRequestIds as [], as through Prisma', async () => {
  const tenantId = uniqueTenant();
  await shared.database
    .insertInto('audit_events')
    .values({ at: new Date(), kind: 'search', tenant_id: tenantId, outcome: 'success', latency_ms: 1, aws_request_ids: sql<string[]>`NULL` })
    .execute();
  const audit = createAuditTrail({ database: shared.database, logger: capture().logger, now: Date.now, retentionDays: 1 });
  assert.deepEqual(
    (await audit.list({ tenantId })).events.map((e) => e.awsRequestIds),
    [[]],
  );
});

test('the retention sweep deletes events older than the retention period', async () => {
  const tenantId = uniqueTenant();
  const day = 86_400_000;
  let clock = Date.parse('2031-01-01T00:00:00.000Z');
  const audit = createAuditTrail({ database: shared.database, logger: capture().logger, now: () => clock, retentionDays: 2 });
  for (const age of [3, 2.5, 1, 0]) {
    clock = Date.parse('2031-01-10T00:00:00.000Z') - age * day;
    audit.record({ ...event, tenantId, latencyMs: age * 10 });
  }
  await audit.flush();
  clock = Date.parse('2031-01-10T00:00:00.000Z');
  const stop = audit.startSweeper(3_600_000);
  try {
    for (let i = 0; i < 100 && (await rowsOf(tenantId)).length > 2; i++) await sleep(20);
  } finally {
    stop();
  }
  assert.deepEqual(
    (await rowsOf(tenantId)).map((r) => r.latency_ms),
    [10, 0],
  );
});
