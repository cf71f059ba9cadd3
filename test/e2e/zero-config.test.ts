// Starts the built service the way the README says (`npm start` = build, then
// `node dist/src/main.js`), with no settings but a free port, from a scratch directory so
// `./.data` is fresh; waits for readiness and runs the demo through the broker API.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

const repo = new URL('../..', import.meta.url).pathname;
const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });

before(() => {
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
});

interface Started {
  child: ChildProcess;
  output: () => string;
  issuer: string;
}

async function start(dir: string, port: number): Promise<Started> {
  const env: Record<string, string> = { PATH: process.env.PATH!, HOME: process.env.HOME ?? dir, PORT: String(port), LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [join(repo, 'dist/src/main.js')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  const issuer = `http://localhost:${port}`;
  for (let i = 0; i < 120 && !out.includes('Try the broker API'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(out, /Try the broker API/, `service did not start:\n${out}`);
  assert.equal((await fetch(`${issuer}/readyz`)).status, 200);
  return { child, output: () => out, issuer };
}

async function stop(s: Started): Promise<number | null> {
  s.child.kill('SIGINT');
  return new Promise((ok) => s.child.once('exit', (code) => ok(code)));
}

test('zero-config start runs the demo end to end and a restart reuses the data', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttib-zero-'));
  chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as 'postgres' and must reach .data/pg
  const port = await freePort();
  try {
    const first = await start(dir, port);
    const banner = first.output();
    const [, clientId, secret] = /-u '([^:']+):([^']+)'/.exec(banner)!;
    const [, aliceId] = /"user":\{"id":"([^"]+)"\}/.exec(banner)!;
    assert.doesNotMatch(banner, /"level":50/, 'no errors logged');

    const tokenRes = await fetch(`${first.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'search', resource: `${first.issuer}/api` }),
    });
    assert.equal(tokenRes.status, 200);
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const search = async (body: unknown) => {
      const res = await fetch(`${first.issuer}/api/v1/tenants/demo/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { results: { title: string }[] } };
    };
    const alice = await search({ queryText: 'Kestrel thermal vacuum test', user: { id: aliceId } });
    assert.equal(alice.status, 200);
    assert.ok(
      alice.body.results.some((r) => /thermal vacuum/i.test(r.title)),
      JSON.stringify(alice.body),
    );
    assert.equal(await stop(first), 0, 'Ctrl-C shuts down cleanly');

    const second = await start(dir, port);
    assert.ok(second.output().includes(`-u '${clientId}:`), 'second start reuses the data and the demo clients');
    assert.equal(await stop(second), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
