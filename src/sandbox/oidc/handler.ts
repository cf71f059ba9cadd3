// SSO-OIDC over restJson1. Only `POST /token?aws_iam=t` (CreateTokenWithIAM) is SigV4-signed;
// errors are OAuth-style `{error, error_description}` with the exception in x-amzn-ErrorType.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import type { Caller } from '../state/model.js';
import { ServiceError, authError } from '../errors.js';
import { AuthFailure } from '../sigv4/verify.js';
import { jsonResponse, parseJsonBody } from '../http/json.js';
import { newUuid } from '../util.js';
import { createTokenWithIam } from './create-token.js';

const OAUTH_ERRORS: Record<string, string> = {
  InvalidRequestException: 'invalid_request', InvalidClientException: 'invalid_client', InvalidGrantException: 'invalid_grant',
  UnauthorizedClientException: 'unauthorized_client', UnsupportedGrantTypeException: 'unsupported_grant_type',
  InvalidScopeException: 'invalid_scope', AccessDeniedException: 'access_denied', ExpiredTokenException: 'expired_token',
  InternalServerException: 'server_error',
};

export async function handleOidc(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse> {
  const requestId = newUuid();
  const operation = req.query.get('aws_iam') === 't' ? 'CreateTokenWithIAM' : 'CreateToken';
  let caller: Caller | undefined;
  let region = '';
  try {
    if (operation !== 'CreateTokenWithIAM') {
      throw new ServiceError('InvalidRequestException', 400, 'The sandbox emulates CreateTokenWithIAM (POST /token?aws_iam=t) only.');
    }
    try {
      ({ caller, region } = ctx.verify(req, 'sso-oauth'));
    } catch (e) {
      if (e instanceof AuthFailure) throw authError(e.kind, e.message, 'json');
      throw e;
    }
    const body = parseJsonBody(req.body);
    if (!body.ok) throw new ServiceError('InvalidRequestException', 400, 'The request body is not a JSON object.');
    const { output, detail } = await createTokenWithIam(ctx, caller, region, body.value);
    record(ctx, operation, caller, 'ok', 200, output, detail);
    return jsonResponse(200, output, requestId);
  } catch (e) {
    const error = e instanceof ServiceError ? e : new ServiceError('InternalServerException', 500, 'Internal error.');
    const out = { error: OAUTH_ERRORS[error.code] ?? 'access_denied', error_description: error.message, ...error.extra };
    record(ctx, operation, caller, error.code, error.status, out);
    return jsonResponse(error.status, out, requestId, error.code);
  }
}

function record(ctx: SandboxContext, operation: string, caller: Caller | undefined, outcome: string, status: number,
  output: Record<string, unknown>, detail?: Record<string, unknown>): void {
  ctx.recorder.record(
    { service: 'sso-oauth', operation, caller: caller?.arn ?? 'anonymous', outcome, at: ctx.now(), ...(detail ? { detail } : {}) },
    { service: 'sso-oauth', operation, status, ...(outcome === 'ok' ? {} : { errorCode: outcome }), output },
  );
}
