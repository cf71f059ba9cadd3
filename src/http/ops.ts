// Operational endpoints: liveness, readiness, Prometheus metrics, and our JWKS.
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { createHash, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../config/load.js';
import type { Database } from '../db/database.js';
import type { KeySnapshot } from '../idp/keys.js';
import type { Metrics } from './metrics.js';

export interface OpsDeps {
  config: Pick<Config, 'METRICS_TOKEN' | 'METRICS_PORT' | 'KEY_ACTIVATION_DELAY'>;
  metrics: Metrics;
  keys: () => KeySnapshot;
  /** /readyz pings it (select 1). */
  database: Database;
  /** True once shutdown began: load balancers must stop sending new requests. */
  draining?: () => boolean;
}

/** /readyz answers within this long even when the database accepts connections but never replies. */
export const READYZ_TIMEOUT_MS = 2_000;

/** Resolves with `work`, or rejects once `ms` have passed (the work itself is left to its own timeouts). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error('timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** GET /metrics, behind METRICS_TOKEN when one is set (compared in constant time). */
function serveMetrics(config: Pick<Config, 'METRICS_TOKEN'>, metrics: Metrics) {
  const expected = config.METRICS_TOKEN ? digest(`Bearer ${config.METRICS_TOKEN}`) : undefined;
  return async (ctx: Context) => {
    if (expected && !timingSafeEqual(digest(ctx.get('authorization')), expected)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { error: 'unauthorized', message: 'Send Authorization: Bearer <METRICS_TOKEN>' };
      return;
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}

/** The listener of METRICS_PORT: /metrics only, kept off the public port. */
export function createMetricsApp(config: Pick<Config, 'METRICS_TOKEN'>, metrics: Metrics): Koa {
  const router = new Router();
  router.get('/metrics', serveMetrics(config, metrics));
  const app = new Koa();
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

export function createOpsRouter({ config, metrics, keys, database, draining }: OpsDeps): Router {
  const ops = new Router();
  if (!config.METRICS_PORT) ops.get('/metrics', serveMetrics(config, metrics));
  ops.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  ops.get('/readyz', async (ctx) => {
    if (draining?.()) {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'shutting down' };
      return;
    }
    try {
      await within(sql`select 1`.execute(database), READYZ_TIMEOUT_MS);
      ctx.body = { status: 'ready', signingKey: keys().signingKey.kid };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database unreachable' };
    }
  });
  // Our own JWKS route: it publishes pending keys before they sign, and retired ones
  // until their tokens expire, with a cache lifetime well under KEY_ACTIVATION_DELAY.
  ops.get('/jwks', (ctx) => {
    ctx.set('Cache-Control', `public, max-age=${Math.min(300, Math.max(0, Math.floor(config.KEY_ACTIVATION_DELAY / 4)))}`);
    ctx.type = 'application/jwk-set+json';
    ctx.body = { keys: keys().publicJwks };
  });
  return ops;
}
