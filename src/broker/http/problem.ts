// RFC 9457 problem+json for the broker API: the one place its errors become HTTP.
// Known failures keep their status and text; anything else is a generic 500.
import type { Context, Next } from 'koa';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ErrorCode } from '../../shared/error-codes.js';
import { toAppError } from '../errors.js';

export const PROBLEM_TYPE_BASE = 'urn:tti-bridge:problem:';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

// Only these detail members are safe and useful to callers (never tokens or credentials).
const EXPOSED_DETAIL = ['step', 'awsError', 'awsRequestId', 'reason', 'missing', 'requiredScope', 'causes', 'connectEndpoint'];

const SERVICE_TOKEN_ERRORS = new Set<ErrorCode>(['invalid_token', 'token_expired']);

export function toProblem(err: AppError, instance?: string): Problem {
  const expose = err.expose;
  const p: Problem = {
    type: PROBLEM_TYPE_BASE + (expose ? err.code : 'internal_error'),
    title: expose ? titleOf(err.code) : 'Internal error',
    status: err.status,
    detail: expose ? err.message : 'An unexpected error occurred.',
    code: expose ? err.code : 'internal_error',
    instance,
  };
  if (expose && err.options.fields?.length) p.errors = err.options.fields;
  if (expose && err.options.retryAfter) p.retryAfter = err.options.retryAfter;
  for (const k of EXPOSED_DETAIL) if (expose && err.options.detail?.[k] !== undefined) p[k] = err.options.detail[k];
  return p;
}

const titleOf = (code: string) => code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function problemMiddleware(logger: Logger) {
  return async function problems(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 404, `No API route ${ctx.method} ${ctx.path}.`);
      if (ctx.status === 405 && !ctx.body) throw new AppError('method_not_allowed', 405, `Method ${ctx.method} is not allowed on ${ctx.path}.`);
    } catch (err) {
      const appErr = toAppError(err, undefined, logger);
      ctx.status = appErr.status;
      ctx.type = 'application/problem+json';
      if (appErr.options.retryAfter) ctx.set('Retry-After', String(appErr.options.retryAfter));
      // RFC 6750 §3: tell bearer clients what went wrong with their token.
      // A bad *user* token (in the body) says nothing about the bearer token: no error param then.
      if (appErr.status === 401)
        ctx.set('WWW-Authenticate', SERVICE_TOKEN_ERRORS.has(appErr.code) ? 'Bearer error="invalid_token"' : 'Bearer realm="tti-bridge"');
      if (appErr.code === 'insufficient_scope')
        ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${String(appErr.options.detail?.requiredScope)}"`);
      ctx.body = toProblem(appErr, ctx.path);
    }
  };
}
