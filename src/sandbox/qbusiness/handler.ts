// Q Business over restJson1: routes `/applications/{applicationId}/…` to the operations.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import type { Caller } from '../state/model.js';
import { ServiceError, authError } from '../errors.js';
import { AuthFailure } from '../sigv4/verify.js';
import { jsonResponse, parseJsonBody } from '../http/json.js';
import { newUuid } from '../util.js';
import { cannotParse } from './errors.js';
import { validateSrc } from './validate-src.js';
import { searchRelevantContent } from './search.js';
import { createDataAccessor, deleteDataAccessor, findApplication, getDataAccessor, listDataAccessors } from './data-accessors.js';

type Result = { output: Record<string, unknown>; detail: Record<string, unknown> };

export async function handleQBusiness(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse> {
  const requestId = newUuid();
  const parts = req.path.split('/').slice(2).map((p) => safeDecode(p));
  const operation = operationOf(req.method, parts);
  let caller: Caller | undefined;
  try {
    let region: string;
    try {
      ({ caller, region } = ctx.verify(req, 'qbusiness'));
    } catch (e) {
      if (e instanceof AuthFailure) throw authError(e.kind, e.message, 'json');
      throw e;
    }
    const result = dispatch(ctx, req, caller, region, operation, parts);
    record(ctx, operation, caller, 'ok', 200, result.output, result.detail);
    return jsonResponse(200, result.output, requestId);
  } catch (e) {
    const error = e instanceof ServiceError ? e : new ServiceError('InternalServerException', 500, 'Internal server error.');
    const out = { message: error.message, ...error.extra };
    record(ctx, operation, caller, error.code, error.status, out);
    return jsonResponse(error.status, out, requestId, error.code);
  }
}

function operationOf(method: string, parts: string[]): string {
  const [, collection, id] = parts;
  if (method === 'POST' && collection === 'relevant-content' && parts.length === 2) return 'SearchRelevantContent';
  if (collection === 'dataaccessors' && parts.length === 2) return method === 'POST' ? 'CreateDataAccessor' : method === 'GET' ? 'ListDataAccessors' : 'Unknown';
  if (collection === 'dataaccessors' && parts.length === 3 && id) return method === 'GET' ? 'GetDataAccessor' : method === 'DELETE' ? 'DeleteDataAccessor' : 'Unknown';
  return 'Unknown';
}

function dispatch(ctx: SandboxContext, req: SandboxRequest, caller: Caller, region: string, operation: string, parts: string[]): Result {
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

function record(ctx: SandboxContext, operation: string, caller: Caller | undefined, outcome: string, status: number,
  output: Record<string, unknown>, detail?: Record<string, unknown>): void {
  ctx.recorder.record(
    { service: 'qbusiness', operation, caller: caller?.arn ?? 'anonymous', outcome, at: ctx.now(), ...(detail ? { detail } : {}) },
    { service: 'qbusiness', operation, status, ...(outcome === 'ok' ? {} : { errorCode: outcome }), output },
  );
}
