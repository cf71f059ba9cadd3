// STS over awsQuery: POST / with a form body naming the Action; XML back.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import type { Caller } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { serve, type Outcome, type Protocol } from '../http/pipeline.js';
import { memberList, parseForm } from './params.js';
import { validateAssumeRole } from './validate.js';
import { assumeRole } from './assume-role.js';
import { xmlError, xmlSuccess } from './xml.js';

const STS: Protocol = {
  service: 'sts',
  auth: 'query',
  internalCode: 'InternalFailure',
  success: xmlSuccess,
  error: (e, requestId) => ({
    output: { Code: e.code, Message: e.message },
    response: xmlError(e.status, e.code, e.message, requestId),
  }),
};

export function handleSts(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse> {
  const params = parseForm(req.body);
  const operation = params.get('Action') ?? 'Unknown';
  return serve(ctx, req, STS, { operation, run: (caller) => dispatch(ctx, caller, operation, params) });
}

function dispatch(ctx: SandboxContext, caller: Caller, operation: string, params: URLSearchParams): Outcome {
  if (params.get('Version') !== '2011-06-15') {
    throw new ServiceError('InvalidAction', 400, `Could not find operation ${operation} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
  }
  switch (operation) {
    case 'AssumeRole': {
      const input = validateAssumeRole({
        roleArn: params.get('RoleArn') ?? undefined,
        sessionName: params.get('RoleSessionName') ?? undefined,
        duration: params.get('DurationSeconds') ?? undefined,
        tags: memberList(params, 'Tags', ['Key', 'Value']),
        contexts: memberList(params, 'ProvidedContexts', ['ProviderArn', 'ContextAssertion']),
      });
      return assumeRole(ctx, caller, input);
    }
    case 'GetCallerIdentity':
      return {
        output: {
          UserId: caller.kind === 'session' ? caller.session.assumedRoleId : caller.principal.accessKeyId,
          Account: caller.accountId,
          Arn: caller.arn,
        },
        detail: {},
      };
    default:
      throw new ServiceError('InvalidAction', 400, `Could not find operation ${operation} for version 2011-06-15`);
  }
}
