// SCIM errors (RFC 7644 §3.12): the one place where a SCIM route's failure becomes HTTP.
// Every answer uses the SCIM error schema (`status` as a string, `scimType` where the RFC
// defines one); the service token's refusals keep their WWW-Authenticate header, a database
// outage is 503 with Retry-After, and anything unexpected a generic 500 (logged, not shown).
import type { Context, Next } from 'koa';
import type { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { toAppError } from '../broker/errors.js';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_MEDIA_TYPE = 'application/scim+json';

/** scimType values of RFC 7644 §3.12 (table 9). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
    this.name = 'ScimError';
  }
}

export const scimErrors = {
  invalidFilter: (why: string) => new ScimError(400, `Invalid filter: ${why}`, 'invalidFilter'),
  invalidValue: (why: string) => new ScimError(400, why, 'invalidValue'),
  invalidSyntax: (why: string) => new ScimError(400, why, 'invalidSyntax'),
  invalidPath: (why: string) => new ScimError(400, why, 'invalidPath'),
  mutability: (why: string) => new ScimError(400, why, 'mutability'),
  uniqueness: (why: string) => new ScimError(409, why, 'uniqueness'),
  notFound: (what: 'User' | 'Group', id: string) => new ScimError(404, `${what} '${id.slice(0, 64)}' does not exist in this tenant.`),
};

// AppError codes of the request reader that are SCIM syntax errors.
const SYNTAX = new Set(['invalid_json', 'body_too_complex', 'bad_request', 'validation_failed']);

export function scimErrorMiddleware(logger: Logger) {
  return async function scimErrorsMw(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const e = err instanceof ScimError ? err : fromAppError(toAppError(err, undefined, logger), ctx);
      ctx.status = e.status;
      ctx.type = SCIM_MEDIA_TYPE;
      ctx.body = { schemas: [ERROR_SCHEMA], status: String(e.status), ...(e.scimType ? { scimType: e.scimType } : {}), detail: e.message };
    }
  };
}

function fromAppError(err: AppError, ctx: Context): ScimError {
  if (err.options.retryAfter) ctx.set('Retry-After', String(err.options.retryAfter));
  // RFC 6750 §3, as on the broker API.
  if (err.status === 401)
    ctx.set('WWW-Authenticate', err.code === 'invalid_token' || err.code === 'token_expired' ? 'Bearer error="invalid_token"' : 'Bearer realm="tti-bridge"');
  if (err.code === 'insufficient_scope') ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${String(err.options.detail?.requiredScope)}"`);
  if (!err.expose) return new ScimError(err.status, 'An unexpected error occurred.');
  return new ScimError(err.status, err.message, SYNTAX.has(err.code) && err.status === 400 ? 'invalidSyntax' : undefined);
}
