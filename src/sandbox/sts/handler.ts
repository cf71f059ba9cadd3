// STS over awsQuery: POST / with a form body naming the Action; XML back.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import type { Caller } from '../state/model.js';
import { ServiceError, authError } from '../errors.js';
import { AuthFailure } from '../sigv4/verify.js';
import { newUuid } from '../util.js';
import { memberList, parseForm } from './params.js';
import { validateAssumeRole } from './validate.js';
import { assumeRole } from './assume-role.js';
import { xmlError, xmlSuccess } from './xml.js';

export function handleSts(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  const requestId = newUuid();
  const params = parseForm(req.body);
  const operation = params.get('Action') ?? 'Unknown';
  let caller: Caller | undefined;
  try {
    try {
      caller = ctx.verify(req, 'sts').caller;
    } catch (e) {
      if (e instanceof AuthFailure) throw authError(e.kind, e.message, 'query');
      throw e;
    }
    const { result, detail } = dispatch(ctx, caller, operation, params);
    record(ctx, operation, caller, 'ok', 200, result, detail);
    return xmlSuccess(operation, result, requestId);
  } catch (e) {
    const err = e instanceof ServiceError ? e : new ServiceError('InternalFailure', 500, 'Internal error');
    record(ctx, operation, caller, err.code, err.status, { Code: err.code, Message: err.message });
    return xmlError(err.status, err.code, err.message, requestId);
  }
}

function dispatch(ctx: SandboxContext, caller: Caller, operation: string, params: URLSearchParams) {
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
        result: {
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

function record(ctx: SandboxContext, operation: string, caller: Caller | undefined, outcome: string,
  status: number, output: Record<string, unknown>, detail?: Record<string, unknown>): void {
  ctx.recorder.record(
    { service: 'sts', operation, caller: caller?.arn ?? 'anonymous', outcome, at: ctx.now(), ...(detail ? { detail } : {}) },
    { service: 'sts', operation, status, ...(outcome === 'ok' ? {} : { errorCode: outcome }), output },
  );
}
