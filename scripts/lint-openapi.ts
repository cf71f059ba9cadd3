// npm run lint:openapi: builds the broker API's OpenAPI document as the app serves it (no
// server, no database) and lints it with Redocly CLI's recommended-strict ruleset
// (redocly.yaml). Fails on any error or warning. Runs offline: telemetry and the update
// check are off, and the document has no external references.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildOpenApi } from '../src/broker/http/openapi.js';

// The servers entry is ISSUER; a production-like one unless set (Redocly refuses localhost).
const issuer = process.env.ISSUER ?? 'https://tti-bridge.invalid';
const dir = mkdtempSync(join(tmpdir(), 'ttib-openapi-'));
const file = join(dir, 'openapi.json');
writeFileSync(file, JSON.stringify(buildOpenApi(issuer), null, 2));
const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' };
const args = [cli, 'lint', file, '--config', join(import.meta.dirname, '..', 'redocly.yaml'), '--format', 'json'];
const run = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 120_000 });
rmSync(dir, { recursive: true, force: true });
if (run.error) throw run.error;

interface Problem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer?: string }[];
}
let problems: Problem[];
try {
  problems = (JSON.parse(run.stdout) as { problems: Problem[] }).problems;
} catch {
  process.stderr.write(`${run.stdout}${run.stderr}\nredocly lint did not produce a JSON report (exit ${run.status})\n`);
  process.exit(1);
}
for (const p of problems) console.log(`${p.severity}: ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
const errors = problems.filter((p) => p.severity === 'error').length;
console.log(`OpenAPI (recommended-strict): ${errors} error(s), ${problems.length - errors} warning(s)`);
process.exit(problems.length || run.status ? 1 : 0);
