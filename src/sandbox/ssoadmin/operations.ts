// SSO Admin setup steps the customer performs: create the trusted token issuer, and manage
// the data accessor application's assignment requirement and assignments.
import type { SandboxContext } from '../context.js';
import type { Caller, IdcInstance, TrustedTokenIssuer } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { findByIdcApplication, ttiArn } from '../state/world.js';
import { newUuid } from '../util.js';

const invalid = (message: string) => new ServiceError('ValidationException', 400, message);
const ISSUER_URL = /^https?:\/\/[-a-zA-Z0-9+&@/%=~_|!:,.;]*[-a-zA-Z0-9+&@/%=~_|]$/;
const CLAIM_PATH = /^\p{L}+(?:(\.|_)\p{L}+){0,2}$/u;
const STORE_PATHS = ['emails.value', 'userName', 'id', 'displayName'];
const MAX_TTIS = 10;

function instanceFor(ctx: SandboxContext, caller: Caller, instanceArn: unknown): IdcInstance {
  const instance = typeof instanceArn === 'string' ? ctx.world.instances.get(instanceArn) : undefined;
  if (!instance) throw invalid(`InstanceArn '${String(instanceArn)}' is not an IAM Identity Center instance.`);
  checkAdmin(caller, instance);
  return instance;
}

/** Only the instance's own account administers it. */
function checkAdmin(caller: Caller, instance: IdcInstance): void {
  if (caller.accountId !== instance.accountId) {
    throw new ServiceError('AccessDeniedException', 400, `User: ${caller.arn} is not authorized to administer ${instance.instanceArn}.`);
  }
}

export function createTrustedTokenIssuer(ctx: SandboxContext, caller: Caller, input: Record<string, unknown>) {
  const instance = instanceFor(ctx, caller, input['InstanceArn']);
  const name = input['Name'];
  if (typeof name !== 'string' || !/^[\w+=,.@-]{1,255}$/.test(name)) throw invalid('Name must be 1-255 characters matching [\\w+=,.@-]+.');
  if (input['TrustedTokenIssuerType'] !== 'OIDC_JWT') throw invalid('TrustedTokenIssuerType must be OIDC_JWT.');
  const config = (input['TrustedTokenIssuerConfiguration'] as { OidcJwtConfiguration?: Record<string, unknown> } | undefined)?.OidcJwtConfiguration;
  if (!config) throw invalid('TrustedTokenIssuerConfiguration.OidcJwtConfiguration is required.');
  const { IssuerUrl, ClaimAttributePath, IdentityStoreAttributePath, JwksRetrievalOption } = config;
  if (typeof IssuerUrl !== 'string' || IssuerUrl.length > 512 || !ISSUER_URL.test(IssuerUrl))
    throw invalid('IssuerUrl must be an http(s) URL of at most 512 characters.');
  if (typeof ClaimAttributePath !== 'string' || !CLAIM_PATH.test(ClaimAttributePath))
    throw invalid('ClaimAttributePath must match \\p{L}+(?:(\\.|\\_)\\p{L}+){0,2}.');
  if (typeof IdentityStoreAttributePath !== 'string' || !STORE_PATHS.includes(IdentityStoreAttributePath)) {
    throw invalid(`IdentityStoreAttributePath must be one of ${STORE_PATHS.join(', ')} in the sandbox.`);
  }
  if (JwksRetrievalOption !== 'OPEN_ID_DISCOVERY') throw invalid('JwksRetrievalOption must be OPEN_ID_DISCOVERY.');
  const existing = [...instance.trustedTokenIssuers.values()];
  if (existing.some((t) => t.name === name || t.issuerUrl === IssuerUrl)) {
    throw new ServiceError('ConflictException', 400, `A trusted token issuer with this name or IssuerUrl already exists in ${instance.instanceArn}.`);
  }
  if (existing.length >= MAX_TTIS) throw new ServiceError('ServiceQuotaExceededException', 400, `At most ${MAX_TTIS} trusted token issuers per instance.`);
  const tti: TrustedTokenIssuer = {
    arn: ttiArn(instance, newUuid()),
    name,
    instanceArn: instance.instanceArn,
    issuerUrl: IssuerUrl,
    claimAttributePath: ClaimAttributePath,
    identityStoreAttributePath: IdentityStoreAttributePath,
  };
  instance.trustedTokenIssuers.set(tti.arn, tti);
  return { output: { TrustedTokenIssuerArn: tti.arn }, detail: { name, issuerUrl: IssuerUrl } };
}

function applicationFor(ctx: SandboxContext, caller: Caller, arn: unknown) {
  const found = typeof arn === 'string' ? findByIdcApplication(ctx.world, arn) : undefined;
  if (!found) throw new ServiceError('ResourceNotFoundException', 400, `ApplicationArn '${String(arn)}' does not exist.`);
  checkAdmin(caller, found.app.instance);
  return found;
}

export function putApplicationAssignmentConfiguration(ctx: SandboxContext, caller: Caller, input: Record<string, unknown>) {
  const { da } = applicationFor(ctx, caller, input['ApplicationArn']);
  if (typeof input['AssignmentRequired'] !== 'boolean') throw invalid('AssignmentRequired must be a boolean.');
  da.assignmentRequired = input['AssignmentRequired'];
  return { output: {}, detail: { applicationArn: da.idcApplicationArn, assignmentRequired: da.assignmentRequired } };
}

/** PrincipalId is the user's identity-store id (or user name); for groups, the group name. */
export function createApplicationAssignment(ctx: SandboxContext, caller: Caller, input: Record<string, unknown>) {
  const { app, da } = applicationFor(ctx, caller, input['ApplicationArn']);
  const id = input['PrincipalId'];
  if (typeof id !== 'string') throw invalid('PrincipalId is required.');
  if (input['PrincipalType'] === 'USER') {
    const user = app.instance.users.find((u) => u.id === id || u.userName === id);
    if (!user) throw new ServiceError('ResourceNotFoundException', 400, `User ${id} not found in ${app.instance.identityStoreId}.`);
    da.assignedUsers.add(user.id);
  } else if (input['PrincipalType'] === 'GROUP') {
    if (!app.instance.groups.has(id)) throw new ServiceError('ResourceNotFoundException', 400, `Group ${id} not found in ${app.instance.identityStoreId}.`);
    da.assignedGroups.add(id);
  } else {
    throw invalid('PrincipalType must be USER or GROUP.');
  }
  return { output: {}, detail: { applicationArn: da.idcApplicationArn, principalType: input['PrincipalType'], principalId: id } };
}
