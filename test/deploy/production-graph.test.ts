// The server's module graph, read from the sources: everything src/main.ts loads, by import
// statements and by the lazy import() of the server's part of openServices, holds nothing of
// the AWS sandbox or the demo. They are a plug-in that main.ts alone loads with import(),
// only when the sandbox is wanted (src/plugin.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'src/main.ts';

interface Imports {
  /** import/export … from, and bare imports (not `import type`: it is erased). */
  static: string[];
  /** import('…') with a literal specifier. */
  dynamic: string[];
}

function importsOf(file: string): Imports {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Imports = { static: [], dynamic: [] };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      found.static.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.static.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [specifier] = node.arguments;
      assert.ok(specifier && ts.isStringLiteralLike(specifier), `${file}: import() of a computed specifier cannot be checked`);
      found.dynamic.push(specifier.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A relative specifier ('./x.js') as the repository path of its TypeScript source; packages are not followed. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const path = relative(root, join(root, dirname(from), specifier));
  for (const candidate of [path.replace(/\.js$/, '.ts'), path, join(path, 'index.ts')]) {
    if (existsSync(join(root, candidate)) && candidate.endsWith('.ts')) return candidate;
  }
  assert.fail(`${from}: cannot resolve ${specifier}`);
}

/** Every source file reachable from `entry`; `followDynamic` says whose import() calls count. */
function graph(entry: string, followDynamic: (file: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const { static: statics, dynamic } = importsOf(file);
    for (const specifier of [...statics, ...(followDynamic(file) ? dynamic : [])]) {
      const target = resolveSpecifier(file, specifier);
      if (target) queue.push(target);
    }
  }
  return seen;
}

const isPlugin = (file: string) => file.startsWith('src/demo/') || file.startsWith('src/sandbox/');

test('the server (src/main.ts) loads no module of the sandbox or the demo but through its plug-in import()', () => {
  const production = graph(MAIN, (file) => file !== MAIN);
  // The whole server is seen, the lazily loaded part of openServices included.
  for (const file of ['src/app.ts', 'src/services.ts', 'src/server-services.ts', 'src/broker/index.ts', 'src/idp/provider.ts', 'src/db/database.ts']) {
    assert.ok(production.has(file), `${file} is in the graph`);
  }
  assert.deepEqual([...production].filter(isPlugin), []);

  // The plug-in is what brings them: main.ts's import() reaches the sandbox and the demo.
  const { dynamic } = importsOf(MAIN);
  assert.deepEqual(dynamic, ['./demo/plugin.js']);
  const withPlugin = graph(MAIN, () => true);
  assert.ok(withPlugin.has('src/demo/plugin.ts') && [...withPlugin].some((f) => f.startsWith('src/sandbox/')));
});

test('the graph reader sees what it must', () => {
  // Sanity of the reader itself on a file with every kind of import: main.ts's static
  // imports include the HTTP composition root, and its type-only import is skipped.
  const { static: statics } = importsOf(MAIN);
  assert.ok(statics.includes('./app.js') && statics.includes('./services.js'));
  assert.ok(!statics.includes('./plugin.js'), 'import type is erased');
});
