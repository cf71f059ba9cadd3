// Lints the Dockerfile (rules in dockerfile-lint.ts), checks that the runtime image holds
// every file the compiled service reads at run time, and that each rule catches its mistake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { flags, instructions, lintDockerfile, pairs, parseDockerfile } from './dockerfile-lint.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const text = readFileSync(`${root}Dockerfile`, 'utf8');
const df = parseDockerfile(text);
const final = df.stages[df.stages.length - 1]!;
const finalIns = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);

test('the Dockerfile passes every lint rule', () => {
  assert.deepEqual(lintDockerfile(text), []);
});

test('base image: Node 22 LTS on bookworm-slim, pinned by major.minor', () => {
  for (const stage of df.stages.filter((s) => s.image.startsWith('node:'))) {
    assert.match(stage.image, /^node:22\.\d+-bookworm-slim$/);
  }
  assert.ok(df.stages.some((s) => s.image.startsWith('node:')));
});

test('runtime stage: production, port 3000, SIGTERM through an init, the server as command', () => {
  const env = Object.fromEntries(finalIns('ENV').flatMap((i) => pairs(i.args)));
  assert.equal(env.NODE_ENV, 'production');
  assert.deepEqual(
    finalIns('EXPOSE').map((i) => i.args),
    ['3000'],
  );
  assert.deepEqual(
    finalIns('STOPSIGNAL').map((i) => i.args),
    ['SIGTERM'],
  );
  const entry = JSON.parse(finalIns('ENTRYPOINT').at(-1)!.args) as string[];
  assert.match(entry[0]!, /tini|dumb-init/);
  assert.deepEqual(JSON.parse(finalIns('CMD').at(-1)!.args), ['node', 'dist/src/main.js']);
  const health = finalIns('HEALTHCHECK').at(-1)!.args;
  assert.match(health, /\/healthz/);
  assert.match(health, /\bnode\b/, 'slim images have no curl: the health check runs node');
  // Runtime dependencies come from a production-only install.
  const installs = df.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN' && /npm ci/.test(i.args));
  assert.ok(installs.some((i) => /--omit=dev/.test(i.args) && /--ignore-scripts/.test(i.args)));
});

test('runtime stage holds dist/ and every file the service reads at run time, nothing else from src/', () => {
  const copies = finalIns('COPY').map((i) => {
    const { flags: f, rest } = flags(`${i.args} `);
    const parts = rest.trim().split(/\s+/);
    return { from: f.from, sources: parts.slice(0, -1), dest: parts.at(-1)! };
  });
  const fromContext = copies.filter((c) => !c.from).flatMap((c) => c.sources);
  // Paths relative to dist/src/... as resolved in src/db/migrate.ts, src/http/views.ts and src/sandbox/demo.ts.
  for (const needed of ['prisma/migrations', 'views', 'src/sandbox/fixtures', 'package.json']) {
    assert.ok(fromContext.includes(needed), `runtime image lacks ${needed}`);
    assert.ok(existsSync(`${root}${needed}`), `${needed} does not exist in the repository`);
  }
  assert.deepEqual(
    fromContext.filter((s) => s.startsWith('src')),
    ['src/sandbox/fixtures'],
  );
  assert.ok(copies.some((c) => c.from === 'build' && c.sources.includes('/app/dist')));
  assert.ok(copies.some((c) => c.from && c.sources.includes('/app/node_modules')));
  // The launcher of the admin CLI is on PATH.
  assert.ok(finalIns('RUN').some((i) => /ln -s \/app\/bin\/tti-bridge\.js \/usr\/local\/bin\/tti-bridge/.test(i.args)));
  // The compiled layout the image relies on (tsconfig.build.json: rootDir . → dist/src/...).
  const build = JSON.parse(readFileSync(`${root}tsconfig.build.json`, 'utf8')) as { include: string[] };
  assert.deepEqual(build.include, ['src/**/*.ts']);
  const base = JSON.parse(readFileSync(`${root}tsconfig.json`, 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
  assert.equal(base.compilerOptions.rootDir, '.');
  assert.equal(base.compilerOptions.outDir, 'dist');
});

test('.dockerignore keeps local state and secrets out of the build context but not what the image copies', () => {
  const ignore = readFileSync(`${root}.dockerignore`, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of ['node_modules', 'dist', '.data', '.git', 'test-artifacts', 'bench', 'secrets', 'src/db/generated', '.env']) {
    assert.ok(ignore.includes(p), `.dockerignore lacks ${p}`);
  }
  const ignored = (path: string) => ignore.some((p) => !p.startsWith('!') && !p.includes('*') && (path === p || path.startsWith(`${p}/`)));
  const copied = df.stages
    .flatMap((s) => s.instructions)
    .filter((i) => i.keyword === 'COPY' && flags(`${i.args} `).flags.from === undefined)
    .flatMap((i) => flags(`${i.args} `).rest.trim().split(/\s+/).slice(0, -1));
  for (const path of copied) {
    assert.ok(!ignored(path), `${path} is copied but excluded by .dockerignore`);
    assert.ok(existsSync(`${root}${path}`), `${path} is copied but does not exist`);
  }
});

// Each rule, shown failing on the mistake it exists for.
const good = `ARG NODE=22.22
FROM node:\${NODE}-bookworm-slim AS build
RUN npm ci && npm run build
FROM node:\${NODE}-bookworm-slim
COPY --chown=root:root --from=build /app/dist ./dist
USER node
HEALTHCHECK CMD ["node", "-e", "1"]
CMD ["node", "dist/src/main.js"]
`;

test('lint rules: a minimal good file passes', () => {
  assert.deepEqual(lintDockerfile(good), []);
  assert.equal(parseDockerfile(good).stages[0]!.image, 'node:22.22-bookworm-slim');
});

const cases: [string, string, RegExp][] = [
  ['latest tag', good.replace('ARG NODE=22.22', 'ARG NODE=latest').replace('${NODE}-bookworm-slim AS build', '${NODE} AS build'), /not pinned/],
  ['no tag', good.replace('node:${NODE}-bookworm-slim AS build', 'node AS build'), /not pinned/],
  ['single stage', 'FROM node:22.22\nRUN npm ci\nUSER node\nHEALTHCHECK CMD true\nCMD ["node"]\n', /multi-stage/],
  ['npm install', good.replace('npm ci &&', 'npm install &&'), /npm ci/],
  ['root user', good.replace('USER node', 'USER root'), /non-root USER/],
  ['no user', good.replace('USER node\n', ''), /non-root USER/],
  ['user after CMD', `${good.replace('USER node\n', '')}USER node\n`, /before CMD/],
  ['no healthcheck', good.replace(/HEALTHCHECK.*\n/, ''), /HEALTHCHECK/],
  ['healthcheck NONE', good.replace(/HEALTHCHECK.*\n/, 'HEALTHCHECK NONE\n'), /HEALTHCHECK/],
  ['secret in ENV', good.replace('USER node', 'ENV SECRET_KEY=abc123 PORT=3000\nUSER node'), /SECRET_KEY has a value/],
  ['password in ARG', good.replace('RUN npm ci', 'ARG DB_PASSWORD=hunter2\nRUN npm ci'), /DB_PASSWORD has a value/],
  ['token in legacy ENV', good.replace('USER node', 'ENV NPM_TOKEN abc\nUSER node'), /NPM_TOKEN has a value/],
  ['COPY without --chown', good.replace('--chown=root:root ', ''), /--chown/],
  ['dev deps at runtime', good.replace('USER node', 'RUN npm ci\nUSER node'), /--omit=dev/],
];
for (const [name, dockerfile, expected] of cases) {
  test(`lint rules: ${name}`, () => {
    const problems = lintDockerfile(dockerfile);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `expected ${expected} in ${JSON.stringify(problems)}`,
    );
  });
}

test('lint rules: secret file paths, ARG without value and continuation comments are fine', () => {
  const df2 = good.replace('USER node', 'ENV SECRET_KEY_FILE=/run/secrets/k \\\n# a comment inside\n    LOG_LEVEL=info\nARG TOKEN\nUSER node');
  assert.deepEqual(lintDockerfile(df2), []);
  const env = instructions(df2).find((i) => i.keyword === 'ENV')!;
  assert.deepEqual(pairs(env.args), [
    ['SECRET_KEY_FILE', '/run/secrets/k'],
    ['LOG_LEVEL', 'info'],
  ]);
});
