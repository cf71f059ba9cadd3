// Q Business over restJson1: routes `/applications/{applicationId}/…` to the operations.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import type { Caller } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { parseJsonBody } from '../http/json.js';
import { jsonProtocol, serve, type Outcome } from '../http/pipeline.js';
import { cannotParse } from './errors.js';
import { validateSrc } from './validate-src.js';
import { searchRelevantContent } from './search.js';
import { createDataAccessor, deleteDataAccessor, findApplication, getDataAccessor, listDataAccessors } from './data-accessors.js';

const QBUSINESS = jsonProtocol('qbusiness', (e) => ({ message: e.message, ...e.extra }));

export function handleQBusiness(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse> {
  const parts = req.path
    .split('/')
    .slice(2)
    .map((p) => safeDecode(p));
  const operation = operationOf(req.method, parts);
  return serve(ctx, req, QBUSINESS, { operation, run: (caller, region) => dispatch(ctx, req, caller, region, operation, parts) });
}

function operationOf(method: string, parts: string[]): string {
  const [, collection, id] = parts;
  if (method === 'POST' && collection === 'relevant-content' && parts.length === 2) return 'SearchRelevantContent';
  if (collection === 'dataaccessors' && parts.length === 2)
    return method === 'POST' ? 'CreateDataAccessor' : method === 'GET' ? 'ListDataAccessors' : 'Unknown';
  if (collection === 'dataaccessors' && parts.length === 3 && id)
    return method === 'GET' ? 'GetDataAccessor' : method === 'DELETE' ? 'DeleteDataAccessor' : 'Unknown';
  return 'Unknown';
}

function dispatch(ctx: SandboxContext, req: SandboxRequest, caller: Caller, region: string, operation: string, parts: string[]): Outcome {
  const applicationId = parts[0] ?? '';
  const body = () => {
    const parsed = parseJsonBody(req.body);
    if (!parsed.ok) throw cannotParse('The request body could not be parsed as a JSON object.');
    return parsed.value;
  };
  switch (operation) {
    case 'SearchRelevantContent':
      return searchRelevantContent(ctx, caller, region, validateSrc(applicationId, body()));
    case 'CreateDataAccessor':
      return createDataAccessor(ctx, findApplication(ctx, caller, region, applicationId), body());
    case 'ListDataAccessors':
      return listDataAccessors(ctx, findApplication(ctx, caller, region, applicationId), req.query);
    case 'GetDataAccessor':
      return getDataAccessor(findApplication(ctx, caller, region, applicationId), parts[2] as string);
    case 'DeleteDataAccessor':
      return deleteDataAccessor(ctx, findApplication(ctx, caller, region, applicationId), parts[2] as string);
    default:
      throw new ServiceError('ValidationException', 400, `The sandbox does not emulate ${req.method} ${req.path}.`, { reason: 'UNKNOWN_OPERATION' });
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
