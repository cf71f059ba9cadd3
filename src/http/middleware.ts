// Cross-cutting HTTP middleware: request ids, security headers, access logs, and the
// last-resort error handler for our own routes (the provider has its own).
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { withRequestContext, type Logger } from '../shared/logger.js';
import { AppError } from '../shared/errors.js';
import type { Views } from './views.js';
import { DB_RETRY_AFTER_SECONDS, TRY_AGAIN_MESSAGE as TRY_AGAIN, isDatabaseUnavailable } from '../db/unavailable.js';

/** A database outage, raw or already mapped by the provider adapter (`temporarily_unavailable`). */
const isUnavailable = (err: unknown) => isDatabaseUnavailable(err) || (err as { error?: unknown })?.error === 'temporarily_unavailable';

/**
 * Last resort for a database outage on routes without their own mapping (ops, client
 * authentication before the provider): 503 with Retry-After, never a 500.
 */
export function unavailableErrors(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      ctx.status = 503;
      ctx.set('Retry-After', String(DB_RETRY_AFTER_SECONDS));
      ctx.body = { error: 'temporarily_unavailable', error_description: TRY_AGAIN };
    }
  };
}

/**
 * An incoming X-Request-Id (a proxy's or the caller's) is kept when it is sane: 8 to 128
 * characters of letters, digits, `_`, `.` and `-` (nothing that could forge a log line or
 * a header). Otherwise a new UUID. Echoed in the response, and bound to every log line
 * written while the request is handled (the provider's events and the broker's included).
 */
export const REQUEST_ID = /^[\w.-]{8,128}$/;

export function requestId(): Middleware {
  return (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    return withRequestContext({ reqId: id, ip: ctx.ip }, next);
  };
}

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (ctx.protocol === 'https') ctx.set('Strict-Transport-Security', 'max-age=31536000');
    await next();
  };
}

/** Logs method, route and status; never headers, bodies or query strings (they carry codes and tokens). */
export function accessLog(log: Logger, observe?: (route: string, method: string, status: number, seconds: number) => void): Middleware {
  // Performance: the logger's key-based redaction walks ~120 paths (with wildcards) on every
  // line, ~65 µs a line, the largest part of a request's own cost. This line has a fixed
  // shape whose keys (reqId, method, path, status, ms) are none of the redacted ones, so it
  // goes through a child logger without redaction; its output is byte-for-byte the same.
  // Never add fields from headers, bodies or query strings here.
  const plain = log.child({}, { redact: [] });
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    // Logged when the response is out (or the client went away): the line and the metric
    // are then off the request's latency path, and the status is the one actually sent.
    ctx.res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const status = ctx.res.statusCode;
      observe?.(routeLabel(ctx), ctx.method, status, seconds);
      plain.info({ reqId: ctx.state.requestId, method: ctx.method, path: ctx.path, status, ms: Math.round(seconds * 1000) }, 'request');
    });
    await next();
  };
}

/**
 * A bounded metrics label: the router's template (`/api/v1/tenants/:tenantId/search`), never
 * the raw path, which carries ids and would let any client mint new time series.
 */
function routeLabel(ctx: Parameters<Middleware>[0]): string {
  if (ctx.respond === false) return 'oidc';
  if (ctx.path.startsWith('/interaction/')) return '/interaction';
  return (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
}

/** HTML error page for browser routes (interactions); AppErrors keep their status and message. */
export function pageErrors(views: Views, log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (isUnavailable(err)) {
        ctx.status = 503;
        ctx.set('Retry-After', String(DB_RETRY_AFTER_SECONDS));
        views.render(ctx, 'error', { error: 'temporarily_unavailable', description: TRY_AGAIN });
        return;
      }
      const known = err instanceof AppError && err.expose;
      if (!known) log.error({ err, reqId: ctx.state.requestId }, 'unhandled error');
      ctx.status = known ? err.status : 500;
      views.render(ctx, 'error', {
        error: known ? err.code : 'server_error',
        description: known ? err.message : `An unexpected error occurred (request id ${ctx.state.requestId}).`,
      });
    }
  };
}
