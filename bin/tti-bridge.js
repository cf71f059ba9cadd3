#!/usr/bin/env node
// Launcher. In a checkout (src/ present, tsx installed) it runs the TypeScript source, so
// `npx tti-bridge` never runs a stale dist/ left by an earlier build; in the production
// image (no src/, no dev dependencies) it runs the compiled CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const tsx = existsSync(fileURLToPath(source)) ? await import('tsx/esm/api').catch(() => null) : null;
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  process.stderr.write('error: tti-bridge is not built: run `npm ci` (a checkout runs from source) or `npm run build`\n');
  process.exit(1);
}
