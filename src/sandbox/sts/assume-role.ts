// STS AssumeRole: trust (sts:AssumeRole, sts:TagSession for Tags, sts:SetContext for
// ProvidedContexts), duration caps, and identity-context verification.
import type { SandboxContext } from '../context.js';
import type { Caller, IdentityContext, Role } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { IDENTITY_CENTER_PROVIDER_ARN, openIdentityContext } from '../state/identity-context.js';
import { isoSeconds } from '../util.js';
import type { Outcome } from '../http/pipeline.js';
import type { AssumeRoleInput, ProvidedContext } from './validate.js';

export function assumeRole(ctx: SandboxContext, caller: Caller, input: AssumeRoleInput): Outcome {
  const denied = (action: string) =>
    new ServiceError('AccessDenied', 403, `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${input.roleArn}`);
  // Identity-enhanced sessions carry an AWS-managed allow-list policy that excludes STS.
  if (caller.kind === 'session' && caller.session.identity) throw denied('sts:AssumeRole');
  const role = ctx.world.roles.get(input.roleArn);
  if (!role) throw denied('sts:AssumeRole');
  const allowed = trustedActions(role, caller);
  if (!allowed.has('sts:AssumeRole')) throw denied('sts:AssumeRole');
  if (input.tags.length > 0 && !allowed.has('sts:TagSession')) throw denied('sts:TagSession');
  if (input.contexts.length > 0 && !allowed.has('sts:SetContext')) throw denied('sts:SetContext');

  const chained = caller.kind === 'session';
  const duration = input.durationSeconds ?? 3600;
  if (chained && duration > 3600) {
    throw new ServiceError('ValidationError', 400, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (duration > role.maxSessionDuration) {
    throw new ServiceError('ValidationError', 400, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const identity = verifyContexts(ctx, input.contexts);
  const session = ctx.sessions.mint({
    role,
    sessionName: input.sessionName,
    tags: new Map(input.tags.map((t) => [t.Key, t.Value])),
    ...(identity ? { identity } : {}),
    durationSeconds: duration,
  });
  const packed = input.tags.length > 0 ? Math.min(100, Math.ceil(JSON.stringify(input.tags).length / 20)) : undefined;
  return {
    output: {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: isoSeconds(session.expiresAt),
      },
      AssumedRoleUser: { AssumedRoleId: session.assumedRoleId, Arn: session.arn },
      ...(packed !== undefined ? { PackedPolicySize: packed } : {}),
    },
    detail: {
      roleArn: role.arn,
      sessionArn: session.arn,
      durationSeconds: duration,
      externalId: session.externalId,
      identityContext: identity ? { userId: identity.userId, userName: identity.userName } : undefined,
    },
  };
}

/** Actions the role's trust policy grants this caller (by ARN, by the caller's role, or by account root). */
export function trustedActions(role: Role, caller: Caller): Set<string> {
  const ids = new Set([caller.arn, `arn:aws:iam::${caller.accountId}:root`]);
  if (caller.kind === 'session') ids.add(caller.session.role.arn);
  const actions = new Set<string>();
  for (const statement of role.trust) {
    if (ids.has(statement.principal)) for (const a of statement.actions) actions.add(a);
  }
  return actions;
}

function verifyContexts(ctx: SandboxContext, contexts: ProvidedContext[]): IdentityContext | undefined {
  let identity: IdentityContext | undefined;
  contexts.forEach((p, i) => {
    const field = `ProvidedContexts.member.${i + 1}`;
    if (p.ProviderArn !== IDENTITY_CENTER_PROVIDER_ARN) {
      throw new ServiceError(
        'ValidationError',
        400,
        `${field}.ProviderArn '${p.ProviderArn}' is not a supported context provider; use ${IDENTITY_CENTER_PROVIDER_ARN}.`,
      );
    }
    if (identity) throw new ServiceError('ValidationError', 400, `${field}: only one context per provider is allowed.`);
    const opened = openIdentityContext(ctx.sealer, p.ContextAssertion);
    if (!opened) {
      throw new ServiceError(
        'ValidationError',
        400,
        `${field}.ContextAssertion is not a valid assertion from ${IDENTITY_CENTER_PROVIDER_ARN} (not issued by this Identity Center, or modified).`,
      );
    }
    if (opened.exp * 1000 <= ctx.now()) {
      throw new ServiceError('ExpiredTokenException', 400, `${field}.ContextAssertion has expired; obtain a new one from CreateTokenWithIAM.`);
    }
    identity = opened;
  });
  return identity;
}
