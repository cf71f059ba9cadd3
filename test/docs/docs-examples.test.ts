// The examples of docs/broker.md ("## Examples") run as written against the real
// zero-config service (provider, broker API, AWS sandbox with the demo fixture): the curl
// + jq script in bash, the TypeScript with tsx, the Python with python3 (when the machine
// has it; standard library only). Each must print what the demo user may see and the
// tenant's status, and fail with the problem's code for a tenant the client may not use,
// so a docs change that breaks an example fails CI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDemoService, type DemoService } from '../helpers/demo.js';

const execFile = promisify(execFileCb);

/** The fenced blocks of one language in the "## Examples" section of docs/broker.md. */
function blocks(lang: string): string[] {
  const md = readFileSync('docs/broker.md', 'utf8');
  const section = md.slice(md.indexOf('\n## Examples\n'), md.indexOf('\n## ', md.indexOf('\n## Examples\n') + 5));
  return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === lang).map((m) => m[2]!);
}

const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasJq = spawnSync('jq', ['--version']).status === 0;
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

let svc: DemoService;
let dir: string;
let env: NodeJS.ProcessEnv;
const files: Record<string, string> = {};

before(async () => {
  svc = await startDemoService();
  const alice = await svc.idp.services.accounts.getUser('demo', 'alice@example.com');
  const { clientId, clientSecret } = svc.demo.clients.service;
  env = { ...process.env, TTI_URL: svc.issuer, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, TENANT: 'demo', USER_ID: alice!.id };
  dir = mkdtempSync(join(tmpdir(), 'ttib-docs-'));
  for (const [lang, name] of [
    ['sh', 'search.sh'],
    ['python', 'search.py'],
    ['ts', 'search.mts'],
  ] as const) {
    const code = blocks(lang);
    assert.equal(code.length, 1, `one ${lang} example in docs/broker.md`);
    files[lang] = join(dir, name);
    // As the docs advise for scripts: stop at the first refusal.
    writeFileSync(files[lang]!, lang === 'sh' ? `set -euo pipefail\n${code[0]}` : code[0]!);
  }
});

after(async () => {
  await svc?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const commands: Record<string, () => [string, string[]]> = {
  sh: () => ['bash', [files.sh!]],
  python: () => ['python3', [files.python!]],
  ts: () => [TSX, [files.ts!]],
};
const skipOf = (lang: string) =>
  lang === 'python' && !hasPython ? 'python3 is not installed' : lang === 'sh' && !hasJq ? 'jq is not installed (.ci/run installs it)' : false;

async function run(lang: string, extraEnv: Record<string, string> = {}) {
  const [cmd, args] = commands[lang]!();
  try {
    const { stdout, stderr } = await execFile(cmd, args, { env: { ...env, ...extraEnv }, cwd: dir, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const outputs: Record<string, string> = {};
for (const lang of ['sh', 'python', 'ts']) {
  test(`docs/broker.md ${lang} example: searches as alice and shows the tenant`, { skip: skipOf(lang), timeout: 90_000 }, async () => {
    const res = await run(lang);
    assert.equal(res.code, 0, `${lang} failed: ${res.stderr}${res.stdout}`);
    const lines = res.stdout.trim().split('\n');
    assert.equal(lines.at(-1), 'demo: active', 'the admin call prints the tenant');
    const titles = lines.slice(0, -1);
    assert.ok(titles.length >= 1 && titles.length <= 5, `1-5 results: ${res.stdout}`);
    // The fixture's ACLs: alice is in engineering; the price book is sales-only, the concept study one user's.
    assert.ok(titles.includes('Kestrel-2 thermal vacuum test report'), res.stdout);
    for (const hidden of ['Kestrel price book 2024', 'Kestrel-3 concept study']) assert.ok(!titles.includes(hidden), `${hidden} is not alice's`);
    outputs[lang] = res.stdout;
    for (const other of Object.values(outputs)) assert.equal(res.stdout, other, 'every language prints the same');
  });

  test(`docs/broker.md ${lang} example: a refusal or a bad secret exits non-zero with the error's code`, { skip: skipOf(lang), timeout: 90_000 }, async () => {
    const res = await run(lang, { TENANT: 'globex' }); // not one of the demo client's allowed tenants
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /service_not_allowed: Service client '[^']+' is not allowed to act for tenant 'globex'/);
    const badSecret = await run(lang, { CLIENT_SECRET: 'wrong-secret' });
    assert.notEqual(badSecret.code, 0);
    assert.match(badSecret.stderr, /invalid_client/);
    assert.equal(badSecret.stdout, '', 'nothing runs without a token');
  });
}
