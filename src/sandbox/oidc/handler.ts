// SSO-OIDC over restJson1. Only `POST /token?aws_iam=t` (CreateTokenWithIAM) is SigV4-signed;
// errors are OAuth-style `{error, error_description}` with the exception in x-amzn-ErrorType.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import { ServiceError } from '../errors.js';
import { parseJsonBody } from '../http/json.js';
import { jsonProtocol, serve } from '../http/pipeline.js';
import { createTokenWithIam } from './create-token.js';

const OAUTH_ERRORS: Record<string, string> = {
  InvalidRequestException: 'invalid_request',
  InvalidClientException: 'invalid_client',
  InvalidGrantException: 'invalid_grant',
  UnauthorizedClientException: 'unauthorized_client',
  UnsupportedGrantTypeException: 'unsupported_grant_type',
  InvalidScopeException: 'invalid_scope',
  AccessDeniedException: 'access_denied',
  ExpiredTokenException: 'expired_token',
  InternalServerException: 'server_error',
};

const OIDC = jsonProtocol('sso-oauth', (e) => ({ error: OAUTH_ERRORS[e.code] ?? 'access_denied', error_description: e.message, ...e.extra }));

export function handleOidc(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse> {
  const operation = req.query.get('aws_iam') === 't' ? 'CreateTokenWithIAM' : 'CreateToken';
  return serve(ctx, req, OIDC, {
    operation,
    // CreateToken is unsigned in AWS, so it is answered before (without) a signature check.
    beforeAuth: () => {
      if (operation !== 'CreateTokenWithIAM') {
        throw new ServiceError('InvalidRequestException', 400, 'The sandbox emulates CreateTokenWithIAM (POST /token?aws_iam=t) only.');
      }
    },
    run: (caller, region) => {
      const body = parseJsonBody(req.body);
      if (!body.ok) throw new ServiceError('InvalidRequestException', 400, 'The request body is not a JSON object.');
      return createTokenWithIam(ctx, caller, region, body.value);
    },
  });
}
