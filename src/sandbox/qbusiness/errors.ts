// Q Business modeled errors with their required members (see qbusiness.json).
import { ServiceError } from '../errors.js';
import type { FieldProblem } from './validate-filter.js';

export const validationError = (fields: FieldProblem[], reason = 'FIELD_VALIDATION_FAILED') =>
  new ServiceError('ValidationException', 400, `Invalid request: ${fields.map((f) => `${f.name} ${f.message}`).join('; ')}`, { reason, fields });

export const cannotParse = (message: string) => new ServiceError('ValidationException', 400, message, { reason: 'CANNOT_PARSE' });

export const notFound = (resourceType: string, resourceId: string) =>
  new ServiceError('ResourceNotFoundException', 404, `The ${resourceType.toLowerCase()} ${resourceId} was not found.`, { resourceId, resourceType });

export const accessDenied = (message: string) => new ServiceError('AccessDeniedException', 403, message);
