// The README's registration walkthrough, run exactly as written. Every fenced block whose
// info string is `sh tested` is extracted from README.md and its lines are run, in order,
// by a shell, against a fresh database with the service running on it, in a project
// directory whose `tti-bridge` is this checkout's bin/tti-bridge.js (so `npx tti-bridge`
// resolves as it does in the tti-bridge directory, offline, and the kit lands in a
// scratch directory, not in the repository). A README change that breaks a line fails here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The lines of the README's ```sh tested blocks (comments and blank lines dropped; `\` continuations joined). */
export function testedLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh tested[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

let idp: TestIdp;
let project: string;

before(async () => {
  // The service the commands administer, on its own fresh database.
  idp = await startTestIdp();
  project = mkdtempSync(join(tmpdir(), 'ttib-readme-'));
  mkdirSync(join(project, 'bin'));
  symlinkSync(join(ROOT, 'bin/tti-bridge.js'), join(project, 'bin/tti-bridge.js'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'tti-bridge', version: '0.0.0', private: true, bin: { 'tti-bridge': './bin/tti-bridge.js' } }),
  );
});
after(async () => {
  await idp?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

test('the README has tested blocks for the registration walkthrough', () => {
  const lines = testedLines(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(lines.length >= 4, `found ${lines.length} lines`);
  assert.ok(
    lines.every((l) => l.startsWith('npx tti-bridge ')),
    'every line is a CLI command as a reader runs it',
  );
});

test("the README's registration commands run as written and leave an active tenant", { timeout: 180_000 }, async () => {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? project,
    NODE_ENV: 'test',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    DATABASE_URL: idp.config.DATABASE_URL!,
    SECRET_KEY: idp.config.SECRET_KEY!,
    ISSUER: idp.issuer,
  };
  for (const line of testedLines(readFileSync(join(ROOT, 'README.md'), 'utf8'))) {
    const run = spawnSync('sh', ['-c', line], { cwd: project, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `\`${line}\` failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  // What the walkthrough promises: the data-accessor client exists, the kit was written, and
  // the tenant is active once the customer's details are entered.
  assert.ok(await idp.services.clients.dataAccessorClientId(), 'the data-accessor client exists');
  assert.ok(existsSync(join(project, 'kit-acme', 'customer-setup.sh')), 'the kit was written');
  assert.equal((await idp.services.tenants.get('acme'))?.status, 'active');
  const discovery = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  assert.equal(((await discovery.json()) as { issuer: string }).issuer, idp.issuer, 'the service the README registers is up');
});
