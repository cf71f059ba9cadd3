// Any error from a broker use case → the AppError the API returns. Unknown errors are
// logged (message only: never request bodies or credentials) and become a generic 500.
import { AppError } from '../shared/errors.js';
import { isDatabaseUnavailable, serviceUnavailable } from '../db/unavailable.js';
import type { Logger } from '../shared/logger.js';
import { isAwsCallError } from './aws-error.js';
import { translateAwsFailure, type MappingContext } from './errors.js';
import type { TenantAws, UserRecord } from './ports.js';

export function toAppError(err: unknown, ctx: MappingContext, logger: Logger): AppError {
  if (err instanceof AppError) return err;
  if (isAwsCallError(err)) return translateAwsFailure(err.failure, ctx);
  if (isDatabaseUnavailable(err)) return serviceUnavailable();
  return internalError(err, logger, 'broker internal error', { tenantId: ctx.tenantId });
}

/** Logs an unexpected error (name and message only) and returns the generic 500. */
export function internalError(err: unknown, logger: Logger, msg: string, fields: Record<string, unknown> = {}): AppError {
  logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message }, ...fields }, msg);
  return new AppError('internal_error', 500, 'Internal error', { expose: false });
}

/** What an AWS failure of this tenant and user is explained with (role, and the claim sent). */
export const ctxOf = (t: TenantAws, u: UserRecord): MappingContext => ({ tenantId: t.id, roleArn: t.roleArn, claim: { name: 'email', value: u.email } });
