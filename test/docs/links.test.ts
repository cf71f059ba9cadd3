// The documentation's references hold: every relative link in README.md and docs/*.md
// names a file that exists, every #anchor a heading of the page it points to, and every
// environment setting the docs name is one tti-bridge reads (or is named as someone
// else's: the AWS SDK's, the PostgreSQL image's, ...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { settingNames } from '../../src/config/schema.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The text outside fenced code blocks and inline code (links there are examples, not links). */
const prose = (md: string) => md.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const body = md.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
  for (const m of body.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, (c) => (c === '_' ? '_' : ''));
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  for (const m of md.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

function linksOf(md: string): string[] {
  const text = prose(md);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const defs = [...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
  return [...inline, ...defs];
}

test('every relative link and #anchor in README.md and docs/*.md resolves', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of DOCS) {
    for (const link of linksOf(read(file))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:, ...
      checked++;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path ? relative(ROOT, resolve(dirname(join(ROOT, file)), decodeURIComponent(path))) : file;
      if (!existsSync(join(ROOT, target))) {
        broken.push(`${file}: ${link} (no file ${target})`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(read(target)).has(anchor)) {
        broken.push(`${file}: ${link} (no heading #${anchor} in ${target})`);
      }
    }
  }
  assert.ok(checked > 10, 'the links were found');
  assert.deepEqual(broken, []);
});

/**
 * Upper-case names the docs use that are not tti-bridge settings: where each is defined
 * (checked to contain it, so a renamed one fails here too), or whose it is.
 */
const OTHERS: Record<string, { file: string } | { external: string }> = {
  // the customer kit's script and templates (docs/onboarding.md)
  ...Object.fromEntries(
    [
      'INSTANCE_ARN',
      'APPLICATION_ID',
      'QBUSINESS_REGION',
      'IDC_REGION',
      'RETRIEVER_ID',
      'ASSIGN_PRINCIPAL_TYPE',
      'ASSIGN_PRINCIPAL_ID',
      'ASSOCIATE_PERMISSION',
    ].map((n) => [n, { file: 'src/tenants/kit/script.ts' }]),
  ),
  TRUSTED_TOKEN_ISSUER_ARN: { file: 'src/tenants/kit/customer-template.ts' },
  IDC_APPLICATION_ARN: { file: 'src/tenants/kit/customer-template.ts' },
  // AWS API values, as the sandbox implements them
  OIDC_JWT: { file: 'src/sandbox/ssoadmin/operations.ts' },
  OPEN_ID_DISCOVERY: { file: 'src/sandbox/ssoadmin/operations.ts' },
  AWS_IAM_IDC_TTI: { file: 'src/sandbox/qbusiness/data-accessors.ts' },
  AWS_IAM_IDC_AUTH_CODE: { file: 'src/sandbox/qbusiness/validate-da.ts' },
  FIELD_VALIDATION_FAILED: { file: 'src/sandbox/qbusiness/errors.ts' },
  CANNOT_PARSE: { file: 'src/sandbox/qbusiness/errors.ts' },
  VERY_HIGH: { file: 'src/broker/search.ts' },
  NOT_AVAILABLE: { file: 'src/broker/search.ts' },
  BROKER_API_CODES: { file: 'src/shared/error-codes.ts' },
  // fixtures, code names, tests and benchmarks
  DATA_ACCESSOR_CLIENT_ID: { file: 'src/sandbox/fixtures/demo.yaml' },
  DEMO_FIXTURE_PATH: { file: 'src/sandbox/index.ts' },
  DEMO_TENANT_ID: { file: 'src/sandbox/index.ts' },
  BENCH_ROUNDS: { file: 'bench/idp.bench.ts' },
  BENCH_PROFILE: { file: 'bench/idp.bench.ts' },
  TEST_DATABASE_URL: { file: 'test/helpers/db.ts' },
  // the environment of docs/broker.md's examples, set by the test that runs them
  ...Object.fromEntries(['TTI_URL', 'CLIENT_ID', 'CLIENT_SECRET', 'TENANT', 'USER_ID'].map((n) => [n, { file: 'test/docs/docs-examples.test.ts' }])),
  NODE_VERSION: { file: 'Dockerfile' },
  // the admin CLI's server mode (not server settings)
  TTI_SERVER: { file: 'src/cli/mode.ts' },
  TTI_PROFILE: { file: 'src/cli/mode.ts' },
  TTI_CLIENT_ID: { file: 'src/cli/mode.ts' },
  TTI_CLIENT_SECRET: { file: 'src/cli/mode.ts' },
  // other programs' settings
  AWS_PROFILE: { external: 'AWS SDK' },
  AWS_SHARED_CREDENTIALS_FILE: { external: 'AWS SDK' },
  AWS_ACCESS_KEY_ID: { external: 'AWS SDK' },
  AWS_SECRET_ACCESS_KEY: { external: 'AWS SDK' },
  AWS_REGION: { external: 'AWS SDK' },
  POSTGRES_USER: { external: 'postgres image' },
  POSTGRES_DB: { external: 'postgres image' },
  POSTGRES_PASSWORD_FILE: { external: 'postgres image' },
  CAPABILITY_NAMED_IAM: { external: 'CloudFormation' },
  NAME_FILE: { external: 'the NAME_FILE convention of docs/configuration.md' },
};

test('every upper-case setting name in the docs is a tti-bridge setting or accounted for', () => {
  const settings = new Set<string>([...settingNames, ...settingNames.map((n) => `${n}_FILE`)]);
  const unknown: string[] = [];
  for (const file of DOCS) {
    for (const name of new Set(read(file).match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g))) {
      if (settings.has(name)) continue;
      const other = OTHERS[name];
      if (!other) unknown.push(`${file}: ${name}`);
      else if ('file' in other && !read(other.file).includes(name)) unknown.push(`${file}: ${name} (no longer in ${other.file})`);
    }
  }
  assert.deepEqual(unknown, []);
  // Single-word settings (ISSUER, PORT, ...) are checked where the docs list settings: table rows.
  for (const file of DOCS) {
    for (const m of read(file).matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)) {
      assert.ok(settings.has(m[1]!) || OTHERS[m[1]!], `${file}: the table row ${m[1]} names no setting`);
    }
  }
});

/** Code the docs show: inline code spans and the lines of fenced blocks. */
function codeOf(md: string): string[] {
  const blocks = [...md.matchAll(/^(```|~~~)[^\n]*\n([\s\S]*?)^\1/gm)].flatMap((m) => m[2]!.replace(/\\\n\s*/g, ' ').split('\n'));
  const inline = [...md.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...blocks, ...inline];
}

test('every repository path and npm script the docs name exists', () => {
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
  const missing: string[] = [];
  for (const file of DOCS) {
    for (const code of codeOf(read(file))) {
      for (const m of code.matchAll(/(?:^|[\s(="'])((?:src|test|docs|bin|bench|scripts|prisma|views|\.ci)\/[\w./-]*\w)/g)) {
        const path = m[1]!;
        if (path.includes('<') || /\/\*|\{/.test(path)) continue; // placeholders and globs
        if (!existsSync(join(ROOT, path))) missing.push(`${file}: ${path}`);
      }
      for (const m of code.matchAll(/\bnpm run ([\w:-]+)/g)) if (!scripts[m[1]!]) missing.push(`${file}: npm run ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every `tti-bridge` command and option the docs show exists', async () => {
  const { buildProgram } = await import('../../src/cli/program.js');
  const { fakeIo } = await import('../helpers/cli.js');
  const program = buildProgram({ io: fakeIo().io, deps: () => Promise.reject(new Error('no database needed')) });
  const wrong: string[] = [];
  let checked = 0;
  for (const file of DOCS) {
    for (const code of codeOf(read(file))) {
      for (const m of code.matchAll(/(?:^|[\s`(])tti-bridge((?:[ \t]+[^\s|;&#]+)*)/g)) {
        let cmd = program;
        let path = 'tti-bridge';
        let positional = false;
        for (const token of m[1]!.trim().split(/\s+/).filter(Boolean)) {
          if (/^\d?>/.test(token)) break; // a redirection ends the command
          if (token === '...' || token.startsWith('<')) {
            // a placeholder: `tti-bridge users ...`, `show <id>`
            if (cmd.commands.length) break;
            positional = true;
            continue;
          }
          if (cmd === program && token.startsWith('-') && token !== '--help') break; // `--name tti-bridge --network ...`: an image or container name
          if (token.startsWith('--')) {
            const flag = token.split('=')[0]!;
            if (flag !== '--help' && !cmd.options.some((o) => o.long === flag)) wrong.push(`${file}: ${path} has no option ${flag}`);
          } else if (!positional && !token.startsWith('-')) {
            const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token));
            if (sub) {
              cmd = sub;
              path += ` ${token}`;
            } else if (cmd.commands.length && cmd === program) {
              // `tti-bridge` followed by a word that is no command (prose such as "tti-bridge is ...") is not a command line.
              break;
            } else if (cmd.commands.length) {
              wrong.push(`${file}: ${path} has no subcommand ${token}`);
              break;
            } else positional = true;
          }
        }
        if (cmd !== program) checked++;
      }
    }
  }
  assert.ok(checked > 10, `the command lines were found (${checked})`);
  assert.deepEqual(wrong, []);
});

test('every broker API route the docs name is in the OpenAPI document', async () => {
  const { buildOpenApi } = await import('../../src/broker/http/openapi.js');
  const paths = Object.entries(buildOpenApi().paths as Record<string, Record<string, unknown>>).map(([template, ops]) => ({
    re: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    methods: Object.keys(ops),
  }));
  const missing: string[] = [];
  for (const file of DOCS) {
    for (const m of read(file).matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/api\/v1\/[\w./{}:-]*[\w}])/g)) {
      const [, method, path] = m as unknown as [string, string, string];
      if (!paths.some((p) => p.re.test(path) && p.methods.includes(method.toLowerCase()))) missing.push(`${file}: ${method} ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});
