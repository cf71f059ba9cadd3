// A LISTEN connection that dies without a word (a network partition, a frozen proxy: the
// socket stays open, nothing arrives) must be noticed within seconds, not after TCP
// keepalive's hours: while it looks connected, rows stay cached for a minute and another
// instance's disable would go unseen. Here a TCP proxy between the listener and PostgreSQL
// stops forwarding without closing anything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createChangeListener } from '../../src/db/changes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let proxy: Server;
let frozen = false;
const sockets = new Set<Socket>();

before(async () => {
  database = await createTestDatabase();
  const upstream = new URL(database.url);
  proxy = createServer((client) => {
    const server = connect(Number(upstream.port || 5432), upstream.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    // Frozen: bytes are swallowed in both directions, the sockets stay open.
    client.on('data', (d) => {
      if (!frozen) server.write(d);
    });
    server.on('data', (d) => {
      if (!frozen) client.write(d);
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((ok) => proxy.close(ok));
  await database.drop();
});

const until = async (what: string, done: () => boolean, limitMs: number) => {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > limitMs) assert.fail(`${what} not within ${limitMs} ms`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
  return Date.now() - started;
};

test('a listener whose connection goes silent notices within the heartbeat, drops caches, and reconnects when the path heals', async () => {
  const url = new URL(database.url);
  url.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const listener = createChangeListener({ databaseUrl: url.toString(), minDelayMs: 50, maxDelayMs: 200, heartbeatMs: 200, heartbeatTimeoutMs: 300 });
  let resets = 0;
  listener.subscribe({ change: () => {}, reset: () => void (resets += 1) });
  try {
    await listener.start();
    assert.equal(listener.connected, true);
    assert.equal(resets, 1, 'the first connection starts from empty caches');

    frozen = true;
    const noticed = await until('the silent connection noticed', () => !listener.connected, 3_000);
    assert.ok(noticed < 1_500, `noticed after ${noticed} ms`);

    frozen = false;
    await until('reconnected', () => listener.connected, 3_000);
    assert.equal(resets, 2, 'after the reconnect, caches start over (changes may have been missed)');
  } finally {
    await listener.close();
  }
});
