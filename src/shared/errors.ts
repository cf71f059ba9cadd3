// Application errors carry a stable snake_case code (one of src/shared/error-codes.ts), an
// HTTP status and whether the message may be shown to the caller. Unexposed errors become
// a generic 500.
import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly options: { expose?: boolean; fields?: FieldProblem[]; retryAfter?: number; detail?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get expose(): boolean {
    return this.options.expose ?? this.status < 500;
  }
}

export const validationError = (fields: FieldProblem[]) =>
  new AppError('validation_failed', 400, `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });

export const notFound = (what: 'tenant' | 'user' | 'client' | 'upstream', id: string) =>
  new AppError(`${what}_not_found`, 404, `${what} '${id}' does not exist`);
