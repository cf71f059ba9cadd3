// SSO Admin over awsJson1_1: POST / with `X-Amz-Target: SWBExternalService.<Operation>`.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import type { Caller } from '../state/model.js';
import { ServiceError, authError } from '../errors.js';
import { AuthFailure } from '../sigv4/verify.js';
import { jsonResponse, parseJsonBody } from '../http/json.js';
import { newUuid } from '../util.js';
import { createApplicationAssignment, createTrustedTokenIssuer, putApplicationAssignmentConfiguration } from './operations.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const OPERATIONS = {
  CreateTrustedTokenIssuer: createTrustedTokenIssuer,
  PutApplicationAssignmentConfiguration: putApplicationAssignmentConfiguration,
  CreateApplicationAssignment: createApplicationAssignment,
} as const;

export async function handleSsoAdmin(ctx: SandboxContext, req: SandboxRequest, operation: string): Promise<SandboxResponse> {
  const requestId = newUuid();
  let caller: Caller | undefined;
  try {
    try {
      caller = ctx.verify(req, 'sso').caller;
    } catch (e) {
      if (e instanceof AuthFailure) throw authError(e.kind, e.message, 'json');
      throw e;
    }
    const op = OPERATIONS[operation as keyof typeof OPERATIONS];
    if (!op) throw new ServiceError('UnknownOperationException', 400, `The sandbox does not emulate SSO Admin ${operation}.`);
    const body = parseJsonBody(req.body);
    if (!body.ok) throw new ServiceError('SerializationException', 400, 'The request body is not a JSON object.');
    const { output, detail } = op(ctx, caller, body.value);
    record(ctx, operation, caller, 'ok', 200, output, detail);
    return jsonResponse(200, output, requestId, undefined, CONTENT_TYPE);
  } catch (e) {
    const error = e instanceof ServiceError ? e : new ServiceError('InternalServerException', 500, 'Internal error.');
    const out = { Message: error.message };
    record(ctx, operation, caller, error.code, error.status, out);
    return jsonResponse(error.status, { __type: error.code, ...out }, requestId, error.code, CONTENT_TYPE);
  }
}

function record(ctx: SandboxContext, operation: string, caller: Caller | undefined, outcome: string, status: number,
  output: Record<string, unknown>, detail?: Record<string, unknown>): void {
  ctx.recorder.record(
    { service: 'sso', operation, caller: caller?.arn ?? 'anonymous', outcome, at: ctx.now(), ...(detail ? { detail } : {}) },
    { service: 'sso', operation, status, ...(outcome === 'ok' ? {} : { errorCode: outcome }), output },
  );
}
