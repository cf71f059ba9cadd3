// Any error from a broker use case → the AppError the API returns. Unknown errors are
// logged (message only: never request bodies or credentials) and become a generic 500.
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { isAwsCallError } from './aws-error.js';
import { translateAwsFailure, type MappingContext } from './errors.js';

export function toAppError(err: unknown, ctx: MappingContext, logger: Logger): AppError {
  if (err instanceof AppError) return err;
  if (isAwsCallError(err)) return translateAwsFailure(err.failure, ctx);
  logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message }, tenantId: ctx.tenantId }, 'broker internal error');
  return new AppError('internal_error', 500, 'Internal error', { expose: false });
}
