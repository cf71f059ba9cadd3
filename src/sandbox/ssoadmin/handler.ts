// SSO Admin over awsJson1_1: POST / with `X-Amz-Target: SWBExternalService.<Operation>`.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import { ServiceError } from '../errors.js';
import { parseJsonBody } from '../http/json.js';
import { jsonProtocol, serve } from '../http/pipeline.js';
import { createApplicationAssignment, createTrustedTokenIssuer, putApplicationAssignmentConfiguration } from './operations.js';

const OPERATIONS = {
  CreateTrustedTokenIssuer: createTrustedTokenIssuer,
  PutApplicationAssignmentConfiguration: putApplicationAssignmentConfiguration,
  CreateApplicationAssignment: createApplicationAssignment,
} as const;

const SSO_ADMIN = jsonProtocol('sso', (e) => ({ Message: e.message }), { contentType: 'application/x-amz-json-1.1', typeInBody: true });

export function handleSsoAdmin(ctx: SandboxContext, req: SandboxRequest, operation: string): Promise<SandboxResponse> {
  return serve(ctx, req, SSO_ADMIN, {
    operation,
    run: (caller) => {
      const op = OPERATIONS[operation as keyof typeof OPERATIONS];
      if (!op) throw new ServiceError('UnknownOperationException', 400, `The sandbox does not emulate SSO Admin ${operation}.`);
      const body = parseJsonBody(req.body);
      if (!body.ok) throw new ServiceError('SerializationException', 400, 'The request body is not a JSON object.');
      return op(ctx, caller, body.value);
    },
  });
}
