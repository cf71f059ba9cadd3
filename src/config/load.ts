// Reads settings once, from an environment object (never process.env directly),
// and reports every problem in one message.
import { accessSync, constants, readFileSync } from 'node:fs';
import { settingsSchema, settingNames, type Settings } from './schema.js';
import { originOf } from '../tenants/endpoints.js';

export interface Config extends Omit<Settings, 'ISSUER' | 'BROKER_AUDIENCE'> {
  ISSUER: string;
  BROKER_AUDIENCE: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Resolves `NAME_FILE` (Docker/Kubernetes secrets) into `NAME` when `NAME` is unset. */
function withFileSecrets(env: Env, problems: string[]): Env {
  const out: Env = {};
  for (const name of settingNames) {
    const direct = env[name];
    const file = env[`${name}_FILE`];
    if (direct !== undefined && direct !== '') out[name] = direct;
    else if (file) {
      try {
        out[name] = readFileSync(file, 'utf8').trim();
      } catch {
        problems.push(`${name}_FILE: cannot read ${file}`);
      }
    }
  }
  return out;
}

function isLocalhost(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Every problem at once: each setting is validated on its own (a bad PORT does not hide a
 * bad LOG_LEVEL), then the checks across settings (ISSUER's shape, production's
 * requirements) run on the settings that are valid, so one start reports everything an
 * operator has to fix. A check is skipped only when a setting it reads is itself reported.
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const raw = withFileSecrets(env, problems);
  const values: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const name of settingNames) {
    const parsed = settingsSchema.shape[name].safeParse(raw[name]);
    if (parsed.success) values[name] = parsed.data;
    else {
      invalid.add(name);
      for (const issue of parsed.error.issues) problems.push(`${name}: ${issue.message}`);
    }
  }
  const s = values as Settings;
  const ok = (...names: (keyof Settings)[]) => names.every((n) => !invalid.has(n));
  const production = ok('NODE_ENV') && s.NODE_ENV === 'production';

  let issuer: string | undefined;
  if (ok('ISSUER') && (s.ISSUER || ok('PORT'))) {
    // the default issuer is built from PORT
    issuer = (s.ISSUER ?? `http://localhost:${s.PORT}`).replace(/\/+$/, '');
    const url = new URL(issuer);
    if (url.search || url.hash) problems.push('ISSUER: must not contain a query or fragment');
    if (issuer.endsWith('/.well-known/openid-configuration')) {
      problems.push('ISSUER: give the base URL, without /.well-known/openid-configuration');
    } else if (url.pathname !== '/') {
      problems.push('ISSUER: serve tti-bridge at the root of its host (e.g. https://idp.example.com); a path prefix is not supported');
    }
    if (production && url.protocol !== 'https:' && !isLocalhost(url)) {
      problems.push('ISSUER: must be https:// in production (Identity Center only fetches https URLs)');
    }
  }
  for (const o of ok('ENDPOINT_ALLOWLIST') ? s.ENDPOINT_ALLOWLIST : []) {
    const origin = originOf(o);
    if (!origin) problems.push(`ENDPOINT_ALLOWLIST: '${o}' is not an origin (scheme://host[:port], without path, query or credentials)`);
    else if (production && !origin.startsWith('https:')) problems.push(`ENDPOINT_ALLOWLIST: '${o}' must be https:// in production`);
  }
  if (production) {
    if (ok('SECRET_KEY') && !s.SECRET_KEY) problems.push('SECRET_KEY: required in production (32+ random characters)');
    if (s.SANDBOX) problems.push('SANDBOX: the local AWS sandbox is for development; it cannot run with NODE_ENV=production');
    if (s.SECRET_KEY?.startsWith('dev-')) problems.push('SECRET_KEY: a development key cannot be used in production');
    if (ok('DATABASE_URL', 'EMBEDDED_DATABASE') && !s.DATABASE_URL && !s.EMBEDDED_DATABASE) {
      problems.push('DATABASE_URL: required in production (or set EMBEDDED_DATABASE=true to run the embedded PostgreSQL in DATA_DIR deliberately)');
    }
    if (ok('METRICS_TOKEN', 'METRICS_PORT') && !s.METRICS_TOKEN && !s.METRICS_PORT) {
      problems.push('METRICS_TOKEN or METRICS_PORT: required in production, so /metrics is not public (a bearer token, or a port of its own)');
    }
  }
  if (ok('METRICS_PORT', 'PORT') && s.METRICS_PORT !== undefined && s.METRICS_PORT === s.PORT) problems.push('METRICS_PORT: must differ from PORT');
  if (s.SANDBOX_FIXTURE) {
    try {
      accessSync(s.SANDBOX_FIXTURE, constants.R_OK);
    } catch {
      problems.push(`SANDBOX_FIXTURE: cannot read ${s.SANDBOX_FIXTURE}`);
    }
  }
  if (problems.length || !issuer) throw new ConfigError(problems);
  return { ...s, ISSUER: issuer, BROKER_AUDIENCE: s.BROKER_AUDIENCE ?? `${issuer}/api` };
}
