// The setup check's pre-checks fetch ISSUER's discovery document and then the jwks_uri it
// names. What that document says must not steer this server anywhere else: a jwks_uri off
// ISSUER's origin, or a redirect, is a failed step and no request to the other address;
// an oversized answer is refused without reading it whole.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrechecks } from '../../src/broker/precheck.js';

type Handler = (path: string) => { status: number; headers?: Record<string, string>; body?: string; chunked?: boolean };

async function start(handler: () => Handler): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const a = handler()(req.url ?? '');
    if (a.chunked) {
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      // No content-length: only a streaming limit stops this.
      const piece = 'x'.repeat(64 * 1024);
      let sent = 0;
      const write = () => {
        while (sent < 64 && res.write(piece)) sent++;
        if (sent < 64) res.once('drain', write);
        else res.end();
      };
      res.write('{"pad":"');
      write();
      return;
    }
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body ?? '');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

let issuer: Awaited<ReturnType<typeof start>>;
let internal: Awaited<ReturnType<typeof start>>;
let answer: Handler = () => ({ status: 404 });

before(async () => {
  issuer = await start(() => answer);
  // Stands for an internal address (a metadata service, an admin port) a poisoned document could name.
  internal = await start(() => () => ({ status: 200, body: JSON.stringify({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks`, keys: [] }) }));
});
after(async () => {
  for (const s of [issuer, internal]) {
    s.server.closeAllConnections();
    await new Promise((ok) => s.server.close(ok));
  }
});

const user = { id: 'u1', tenantId: 't1', email: 'a@corp.example', emailVerified: true, name: null, groups: [], disabled: false };
const prechecks = () =>
  createPrechecks({
    issuer: issuer.url,
    production: false,
    assertionTtlSeconds: 60,
    audience: async () => 'aud',
    // Never reached in these cases: each fails at discovery.
    minter: {
      mint: async () => {
        throw new Error('not reached');
      },
    },
  });

test("a discovery document naming a jwks_uri off ISSUER's origin fails discovery; the other address is never fetched", async () => {
  internal.hits.length = 0;
  answer = () => ({ status: 200, body: JSON.stringify({ issuer: issuer.url, jwks_uri: `${internal.url}/latest/meta-data/iam/security-credentials/` }) });
  const steps = await prechecks()(user);
  assert.deepEqual(
    steps.map((s) => [s.step, s.ok]),
    [['discovery', false]],
  );
  assert.equal(steps[0]!.error!.code, 'discovery_invalid');
  assert.match(steps[0]!.error!.message, /jwks_uri outside/);
  assert.deepEqual(internal.hits, []);
});

test('a redirect from the discovery URL is not followed', async () => {
  internal.hits.length = 0;
  answer = () => ({ status: 302, headers: { location: `${internal.url}/elsewhere` } });
  const steps = await prechecks()(user);
  assert.deepEqual(
    steps.map((s) => [s.step, s.ok]),
    [['discovery', false]],
  );
  assert.match(steps[0]!.error!.message, /HTTP 302 \(a redirect/);
  assert.deepEqual(internal.hits, []);
});

test('an oversized discovery document is refused, with or without a content-length', async () => {
  const big = JSON.stringify({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks`, pad: 'x'.repeat(2 * 1024 * 1024) });
  answer = () => ({ status: 200, body: big });
  const declared = await prechecks()(user);
  assert.deepEqual(
    declared.map((s) => [s.step, s.ok]),
    [['discovery', false]],
  );
  assert.match(declared[0]!.error!.message, /larger than 262144 bytes/);

  answer = () => ({ status: 200, chunked: true });
  const streamed = await prechecks()(user);
  assert.deepEqual(
    streamed.map((s) => [s.step, s.ok]),
    [['discovery', false]],
  );
  assert.match(streamed[0]!.error!.message, /larger than 262144 bytes/);
});
