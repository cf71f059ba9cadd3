// The request pipeline of all four services: refuse an oversized body, check the SigV4
// signature, run the operation, record the call, and answer in the service's protocol.
// Signature first, as AWS does for signed operations; a service may run checks AWS makes
// before authenticating (SSO-OIDC answers its unsigned operations without a signature).
import type { SandboxContext } from '../context.js';
import type { SandboxService } from '../calls.js';
import type { Caller } from '../state/model.js';
import type { SandboxRequest, SandboxResponse } from './request.js';
import { MAX_BODY_BYTES } from './request.js';
import { ServiceError, authError, bodyTooLargeError } from '../errors.js';
import { AuthFailure } from '../sigv4/verify.js';
import { jsonResponse } from './json.js';
import { newUuid } from '../util.js';

export interface Outcome {
  output: Record<string, unknown>;
  detail?: Record<string, unknown>;
}

export interface Protocol {
  /** Recorded service name, also the SigV4 signing name. */
  service: SandboxService;
  /** Which family of error codes signature failures get. */
  auth: 'query' | 'json';
  /** Error code for an unexpected failure (HTTP 500). */
  internalCode: string;
  success(operation: string, output: Record<string, unknown>, requestId: string): SandboxResponse;
  /** The error members as recorded (checked against the model) and the response carrying them. */
  error(e: ServiceError, requestId: string): { output: Record<string, unknown>; response: SandboxResponse };
}

export interface Call {
  operation: string;
  /** Checks AWS makes before authenticating the request. */
  beforeAuth?: () => void;
  run(caller: Caller, region: string): Outcome | Promise<Outcome>;
}

export async function serve(ctx: SandboxContext, req: SandboxRequest, protocol: Protocol, call: Call): Promise<SandboxResponse> {
  const requestId = newUuid();
  let caller: Caller | undefined;
  try {
    if (req.bodyTooLarge) throw bodyTooLargeError(MAX_BODY_BYTES, protocol.auth);
    call.beforeAuth?.();
    let region: string;
    try {
      ({ caller, region } = ctx.verify(req, protocol.service));
    } catch (e) {
      if (e instanceof AuthFailure) throw authError(e.kind, e.message, protocol.auth);
      throw e;
    }
    const { output, detail } = await call.run(caller, region);
    record(ctx, protocol.service, call.operation, caller, 200, output, undefined, detail);
    return protocol.success(call.operation, output, requestId);
  } catch (e) {
    const error = e instanceof ServiceError ? e : new ServiceError(protocol.internalCode, 500, 'Internal error.');
    const { output, response } = protocol.error(error, requestId);
    record(ctx, protocol.service, call.operation, caller, error.status, output, error.code);
    return response;
  }
}

function record(
  ctx: SandboxContext,
  service: SandboxService,
  operation: string,
  caller: Caller | undefined,
  status: number,
  output: Record<string, unknown>,
  errorCode?: string,
  detail?: Record<string, unknown>,
): void {
  ctx.recorder.record(
    { service, operation, caller: caller?.arn ?? 'anonymous', outcome: errorCode ?? 'ok', at: ctx.now(), ...(detail ? { detail } : {}) },
    { service, operation, status, ...(errorCode ? { errorCode } : {}), output },
  );
}

/** restJson1 / awsJson1_1: the error code in x-amzn-ErrorType, `errorBody` as the members. */
export function jsonProtocol(
  service: SandboxService,
  errorBody: (e: ServiceError) => Record<string, unknown>,
  opts: { contentType?: string; typeInBody?: boolean } = {},
): Protocol {
  return {
    service,
    auth: 'json',
    internalCode: 'InternalServerException',
    success: (_operation, output, requestId) => jsonResponse(200, output, requestId, undefined, opts.contentType),
    error(e, requestId) {
      const output = errorBody(e);
      const body = opts.typeInBody ? { __type: e.code, ...output } : output;
      return { output, response: jsonResponse(e.status, body, requestId, e.code, opts.contentType) };
    },
  };
}
