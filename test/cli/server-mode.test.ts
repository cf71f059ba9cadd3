// The real CLI process against a real server: the README's "Administering a running server"
// lines as written (npx tti-bridge is the package's bin, bin/tti-bridge.js), server mode with
// --server/TTI_CLIENT_SECRET and saved profiles, secret rotation with an overlap, unlocking a
// locked account, and local mode's refusal to create an embedded database it was not asked for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestIdp, type TestIdp, FAST_ARGON2 } from '../helpers/idp.js';
import { runCli } from '../../src/cli/program.js';
import { buildDeps } from '../../src/cli/deps.js';
import { fakeIo } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tti-bridge.js');
let idp: TestIdp;
let home: string;

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs a shell line in the checkout with a clean environment: only what a user would set. */
function sh(line: string, opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  const env = {
    PATH: process.env.PATH!,
    HOME: home,
    NODE_ENV: 'test',
    DATA_DIR: join(home, 'data'),
    DATABASE_URL: idp.config.DATABASE_URL!,
    ISSUER: idp.issuer,
    SECRET_KEY: idp.config.SECRET_KEY!,
    ...opts.env,
  };
  return new Promise((ok, fail) => {
    const child = spawn('sh', ['-c', line], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => ok({ code: code ?? -1, out, err }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/**
 * The CLI in this process with a given environment (the program main.ts runs, minus process
 * start-up, which the README and local-mode tests cover); local mode opens this test's database.
 */
async function cli(args: string, opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  const { io, printed } = fakeIo({ stdin: opts.stdin });
  const argv = args.match(/'[^']*'|\S+/g)!.map((a) => a.replace(/^'|'$/g, ''));
  const code = await runCli(argv, {
    io,
    env: { HOME: home, ...opts.env },
    deps: async () => buildDeps(idp.config, idp.database, { hasherOptions: FAST_ARGON2 }),
  });
  return { code, out: printed.out, err: printed.err };
}

async function clientToken(clientId: string, secret: string): Promise<number> {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'search' }),
  });
  await res.body?.cancel();
  return res.status;
}

/** An admin client (global with `*`) and the options and environment of server mode. */
async function adminClient(id: string, tenants = ['*']): Promise<{ env: Record<string, string>; flags: string }> {
  const c = await idp.services.clients.add({ name: id, kind: 'service', clientId: id, scopes: ['admin'], allowedTenants: tenants });
  return { env: { TTI_CLIENT_SECRET: c.clientSecret! }, flags: `--server ${idp.issuer} --client-id ${id}` };
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'ttib-cli-'));
  idp = await startTestIdp({ env: { LOGIN_MAX_FAILURES_ACCOUNT: '3' } });
});
after(async () => {
  await idp?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('the README walkthrough runs as written against a fresh server', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Administering a running server'));
  const block = /```sh server-walkthrough\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the section has a ```sh server-walkthrough block');
  const lines = block.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  assert.ok(lines.length >= 8);
  let printed = '';
  for (const line of lines) {
    // `npx tti-bridge` runs the package's bin (checked as such below); the server is this test's.
    const r = await sh(line.replaceAll('npx tti-bridge', `node ${BIN}`).replaceAll('http://localhost:3000', idp.issuer));
    assert.equal(r.code, 0, `${line}\n${r.err}`);
    printed += r.out + r.err;
  }
  const profiles = join(home, '.config/tti-bridge/profiles.json');
  assert.equal(statSync(profiles).mode & 0o777, 0o600, 'the profile holding a secret is private');
  const saved = JSON.parse(readFileSync(profiles, 'utf8')).profiles.default;
  assert.equal(saved.clientId, 'admin-cli');
  assert.ok(!printed.includes(saved.clientSecret), 'the admin secret went through the pipe, never to the terminal');
  assert.match(printed, /local mode: database postgres.*\(DATABASE_URL\)/, 'local mode says which database');
  assert.match(printed, /new password for alice@globex.example: \S{20,}/);
  assert.equal((await idp.services.tenants.get('globex'))?.name, 'Globex');
  const backend = await idp.services.clients.show('search-backend');
  assert.deepEqual(backend?.allowedTenants, ['demo', 'globex']);
  assert.ok(backend?.previousSecretExpiresAt && backend.previousSecretExpiresAt.getTime() > Date.now() + 3500_000, 'an hour of overlap');
});

test('npx tti-bridge resolves to the package bin from the checkout', async () => {
  const r = await sh('npx --offline tti-bridge --help');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Usage: tti-bridge/);
  assert.match(r.out, /--server <url>/);
});

test('server mode: every command is an API call; errors read like local ones', async () => {
  const a = await adminClient('ops-admin');
  // A real process: it has no database settings at all, so everything must go through the API.
  const added = await sh(`node ${BIN} ${a.flags} tenants add --id beta --name Beta --json`, {
    env: { ...a.env, DATABASE_URL: '', DATA_DIR: join(home, 'none'), ISSUER: 'http://wrong.example' },
  });
  assert.equal(added.code, 0, added.err);
  assert.equal(JSON.parse(added.out).id, 'beta', '--id works as the positional id');
  assert.doesNotMatch(added.err, /local mode/);
  const info = await cli(`${a.flags} registration-info --json`, { env: a.env });
  assert.equal(JSON.parse(info.out).issuer, idp.issuer, 'the issuer the server publishes, not the local setting');
  const bad = await cli(`${a.flags} tenants update beta --qbusiness-region mars`, { env: a.env });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^error: .*\n\s+qbusinessRegion: /m);
  const wrong = await cli(`${a.flags} tenants list`, { env: { TTI_CLIENT_SECRET: 'not-the-secret' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /client 'ops-admin' was not accepted/);
  const migrate = await cli(`${a.flags} migrate`, { env: a.env });
  assert.match(migrate.err, /local mode only/);
});

test('rotate-secret: the old secret works during the overlap, not after; no overlap revokes at once', async () => {
  const a = await adminClient('rot-admin');
  const made = await cli(`${a.flags} clients add --kind service --name Rotated --client-id rotated --allowed-tenant beta --json`, { env: a.env });
  const first = JSON.parse(made.out).clientSecret as string;
  assert.equal(await clientToken('rotated', first), 200);

  const r1 = await cli(`${a.flags} clients rotate-secret rotated --overlap 2 --json`, { env: a.env });
  assert.equal(r1.code, 0, r1.err);
  const { clientSecret: second, previousSecretExpiresAt } = JSON.parse(r1.out);
  assert.equal(await clientToken('rotated', second), 200, 'the new secret works at once');
  assert.equal(await clientToken('rotated', first), 200, 'the old one during the overlap');
  const listed = await cli(`${a.flags} clients show rotated --json`, { env: a.env });
  assert.ok(!listed.out.includes(second) && !listed.out.includes(first), 'show never prints a secret');
  await new Promise((ok) => setTimeout(ok, Math.max(0, new Date(previousSecretExpiresAt).getTime() - Date.now() + 50)));
  assert.equal(await clientToken('rotated', first), 401, 'not after it');
  assert.equal(await clientToken('rotated', second), 200);

  const r2 = await cli(`${a.flags} clients rotate-secret rotated --json`, { env: a.env });
  const third = JSON.parse(r2.out).clientSecret as string;
  assert.equal(JSON.parse(r2.out).previousSecretExpiresAt, null);
  assert.equal(await clientToken('rotated', second), 401, 'without --overlap the old secret stops at once');
  assert.equal(await clientToken('rotated', third), 200);
});

test('users unlock and reset-password clear a lock from failed sign-ins', async () => {
  const a = await adminClient('user-admin');
  assert.equal((await cli(`${a.flags} tenants add gamma --name Gamma`, { env: a.env })).code, 0);
  const add = await cli(`${a.flags} users add carol@gamma.example --tenant gamma --password-stdin`, { env: a.env, stdin: 'first-password-1\n' });
  assert.equal(add.code, 0, add.err);
  const login = (password: string) => idp.services.accounts.authenticate({ tenantId: 'gamma', email: 'carol@gamma.example', password });
  const lock = async () => {
    for (let i = 0; i < 3; i++) await login('wrong-password');
    assert.equal((await login('first-password-1')).ok, false);
  };
  await lock();
  assert.equal(((await login('first-password-1')) as { reason?: string }).reason, 'locked');
  const unlocked = await cli(`${a.flags} users unlock CAROL@gamma.example --tenant gamma`, { env: a.env });
  assert.equal(unlocked.code, 0, unlocked.err);
  assert.match(unlocked.out, /unlocked user carol@gamma.example/);
  assert.equal((await login('first-password-1')).ok, true);

  await lock();
  const reset = await cli(`${a.flags} users reset-password carol@gamma.example --tenant gamma --password-stdin`, { env: a.env, stdin: 'second-password-2\n' });
  assert.equal(reset.code, 0, reset.err);
  assert.equal((await login('second-password-2')).ok, true, 'a new password clears the lock');

  const listed = await cli(`${a.flags} users list --tenant gamma --email carol --json`, { env: a.env });
  assert.deepEqual(
    JSON.parse(listed.out).users.map((u: { email: string }) => u.email),
    ['carol@gamma.example'],
  );
  assert.ok(!listed.out.includes('passwordHash'));
});

test('tenants check runs on the server and prints each step; local mode points there', async () => {
  const a = await adminClient('check-admin');
  const r = await cli(`${a.flags} tenants check gamma --email carol@gamma.example --json`, { env: a.env });
  assert.equal(r.code, 3, `a failed step is exit status 3 (scripts can tell); ${r.err}`);
  assert.equal(r.err, '', 'the report is the output, not an error message');
  const report = JSON.parse(r.out);
  assert.equal(report.ok, false, 'gamma has no AWS details yet');
  assert.equal(report.failedStep, 'tenant');
  const human = await cli(`${a.flags} tenants check gamma --email carol@gamma.example`, { env: a.env });
  assert.match(human.out, /step tenant failed\nSTEP\s+RESULT.*\ntenant\s+FAILED/);
  assert.equal(human.code, 3);
  const link = await cli(`${a.flags} tenants link gamma --expires-in 1h --json`, { env: a.env });
  assert.equal(link.code, 0, link.err);
  assert.ok(JSON.parse(link.out).url.startsWith(`${idp.issuer}/`), 'signed by the server, at its issuer');
  const local = await cli('tenants check gamma --email carol@gamma.example');
  assert.equal(local.code, 1);
  assert.match(local.err, /runs on the server: add --profile/);
});

test('a tenant-limited admin is refused outside its tenants, from the CLI too', async () => {
  const a = await adminClient('limited-admin', ['gamma']);
  const other = await cli(`${a.flags} users list --tenant beta`, { env: a.env });
  assert.equal(other.code, 1);
  assert.match(other.err, /may not administer tenant 'beta'/);
  const rotate = await cli(`${a.flags} clients rotate-secret rotated`, { env: a.env });
  assert.match(rotate.err, /allowed tenants are "\*"/);
  const clients = JSON.parse((await cli(`${a.flags} clients list --json`, { env: a.env })).out) as { clientId: string }[];
  assert.deepEqual(
    clients.map((c) => c.clientId),
    ['limited-admin'],
    'only clients confined to its own tenants',
  );
});

test('local mode says which database and issuer, and creates no embedded database unasked', async () => {
  const empty = join(home, 'elsewhere');
  const r = await sh(`node ${BIN} tenants list`, { env: { DATABASE_URL: '', DATA_DIR: empty } });
  assert.equal(r.code, 1);
  assert.match(r.err, /no database here: .*DATA_DIR=.*elsewhere.*--init/);
  assert.equal(existsSync(empty), false, 'nothing was created');

  const info = await sh(`node ${BIN} registration-info --json`, { env: { ISSUER: '', PORT: '4000' } });
  assert.equal(info.code, 0, info.err);
  assert.equal(JSON.parse(info.out).issuer, 'http://localhost:4000');
  assert.match(info.err, /local mode: issuer http:\/\/localhost:4000 \(ISSUER not set: derived from PORT=4000/);
  assert.match(info.err, /local mode: database postgres:\/\/postgres@127\.0\.0\.1/);
});
