// Every setting tti-bridge reads, with its default and a description. docs/configuration.md
// is generated from it (npm run docs:config, checked by test/unit/config-docs.test.ts), and
// every setting the README and docs name is checked against it (test/docs/links.test.ts).
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

export const settingsSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development').describe('`production` enforces real secrets and an https issuer.'),
  PORT: int(0, 65535).default(3000).describe('HTTP port of the service.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface to listen on.'),
  ISSUER: z.url().optional().describe("Public base URL of the OpenID Provider, byte-equal to every token's `iss`. Default `http://localhost:$PORT`."),
  TRUST_PROXY: bool
    .default(false)
    .describe('Behind a reverse proxy: take the client IP from `X-Forwarded-For` (see `TRUST_PROXY_HOPS`). Published URLs always come from `ISSUER`.'),
  TRUST_PROXY_HOPS: int(1, 10)
    .default(1)
    .describe(
      'With `TRUST_PROXY`: how many proxies in front of the service append to `X-Forwarded-For`; the client IP is that many entries from the right (entries further left are client-chosen).',
    ),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .describe('PostgreSQL connection URL. Unset: an embedded PostgreSQL under `$DATA_DIR/pg` (in production only with `EMBEDDED_DATABASE=true`).'),
  EMBEDDED_DATABASE: bool.default(false).describe('Allow the embedded PostgreSQL under `NODE_ENV=production` (single host, data in `DATA_DIR`).'),
  DB_CONNECT_TIMEOUT: int(1, 300).default(5).describe('Seconds to open a database connection or wait for a free one; then the request answers 503.'),
  DB_STATEMENT_TIMEOUT: int(1, 3600).default(10).describe('Seconds one database statement may run (a frozen database fails a second later, client-side).'),
  DB_IDLE_IN_TRANSACTION_TIMEOUT: int(1, 3600).default(30).describe('Seconds a transaction may sit idle before PostgreSQL ends it (frees its locks).'),
  DATA_DIR: z.string().min(1).default('./.data').describe('Directory for the embedded database and the generated development secret.'),
  SECRET_KEY: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe('Key-encryption key for signing and cookie keys, TOTP secrets and recovery codes at rest. Required in production.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  ARGON2_MEMORY_KIB: int(19456, 4194304).default(19456).describe('argon2id memory cost in KiB (OWASP minimum 19456).'),
  ARGON2_TIME_COST: int(2, 100).default(2).describe('argon2id iterations.'),
  ARGON2_PARALLELISM: int(1, 16).default(1).describe('argon2id lanes.'),
  ARGON2_MAX_CONCURRENCY: int(1, 256).default(4).describe('Password hashes computed at once; further logins wait (bounds memory).'),
  LOGIN_MAX_FAILURES_ACCOUNT: int(1, 1000).default(5).describe('Failed logins for one account before it is locked.'),
  LOGIN_MAX_FAILURES_IP: int(1, 100000).default(50).describe('Failed logins from one client IP before it is locked.'),
  LOGIN_LOCK_SECONDS: int(1, 86400).default(900).describe('Length of a login lock.'),
  ID_TOKEN_TTL: int(60, 86400).default(3600).describe('ID token lifetime (seconds).'),
  ACCESS_TOKEN_TTL: int(60, 86400).default(3600).describe('Access token lifetime (seconds).'),
  REFRESH_TOKEN_TTL: int(60, 31536000).default(1209600).describe('Refresh token lifetime (seconds).'),
  REFRESH_TOKEN_REUSE_GRACE: int(0, 60)
    .default(0)
    .describe(
      'Seconds a used refresh token may be presented again (a client retrying after a lost response keeps its session). 0 = strictly single use; any other reuse revokes the grant.',
    ),
  SESSION_TTL: int(60, 31536000).default(1209600).describe('Login session lifetime (seconds).'),
  KEY_ACTIVATION_DELAY: int(0, 604800).default(3600).describe('Seconds a new signing key is published in JWKS before it signs.'),
  KEY_REFRESH_INTERVAL: int(1, 3600).default(30).describe('Seconds between checks for key changes made by other instances.'),
  BROKER_AUDIENCE: z.string().min(1).optional().describe('Resource indicator (audience) of broker API access tokens. Default `$ISSUER/api`.'),
  ASSERTION_TTL: int(30, 3600).default(300).describe('Lifetime of the ID token minted as the CreateTokenWithIAM assertion.'),
  CREDENTIAL_CACHE_MAX: int(1, 1000000).default(10000).describe('Identity-enhanced credential sets kept in memory (LRU).'),
  CREDENTIAL_REFRESH_MARGIN: int(0, 3600).default(300).describe('Seconds before expiry at which cached credentials are replaced.'),
  AUDIT_BUFFER_MAX: int(100, 10000000)
    .default(10000)
    .describe('Audit events kept in memory while the database is unavailable; beyond it events are dropped (counted in `audit_events_dropped_total`).'),
  SHUTDOWN_TIMEOUT: int(1, 3600).default(20).describe('Seconds in-flight requests get to finish after SIGTERM before their connections are closed.'),
  AUDIT_RETENTION_DAYS: int(1, 3650).default(90).describe('Days audit events are kept.'),
  METRICS_TOKEN: z
    .string()
    .min(16)
    .optional()
    .describe('When set, /metrics requires `Authorization: Bearer <token>`. In production this or `METRICS_PORT` is required.'),
  METRICS_PORT: int(1, 65535).optional().describe('Serve /metrics on this port only (its own listener on `HOST`, not the public port).'),
  ENDPOINT_ALLOWLIST: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .describe(
      "Comma-separated origins (e.g. `https://vpce-1.sts.us-east-1.vpce.amazonaws.com`) tenants' endpoint overrides may use besides AWS's own endpoint hosts; https only in production.",
    ),
  ADMIN_TENANT: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be a tenant id (letters, digits, _ or -)')
    .default('operators')
    .describe(
      'Tenant whose users may administer tti-bridge in the console at `/admin`: members of group `admin` administer every tenant, of `admin:<tenant id>` only those tenants. Users of other tenants never count.',
    ),
  SANDBOX: bool.optional().describe('Run the local AWS sandbox in-process. Default on outside production when no AWS settings are given.'),
  SANDBOX_PORT: int(0, 65535).default(4566).describe('Port of the in-process AWS sandbox (another free port is used if taken).'),
  SANDBOX_FIXTURE: z.string().optional().describe('Sandbox fixture file (YAML/JSON). Default: the demo fixture.'),
});

export type Settings = z.infer<typeof settingsSchema>;
export const settingNames = Object.keys(settingsSchema.shape) as (keyof Settings)[];
