// CreateDataAccessor / GetDataAccessor / ListDataAccessors / DeleteDataAccessor: the customer
// admin's steps. Creating one also creates its Identity Center application (idcApplicationArn).
import type { SandboxContext } from '../context.js';
import type { Application, Caller, DataAccessor } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { newDataAccessor } from '../state/world.js';
import { epochSeconds, newUuid } from '../util.js';
import { accessDenied, notFound, validationError } from './errors.js';
import { validateCreate } from './validate-da.js';

const MAX_PER_APPLICATION = 10;

export function findApplication(ctx: SandboxContext, caller: Caller, region: string, applicationId: string): Application {
  const app = ctx.world.applications.get(applicationId);
  if (!app || app.region !== region) throw notFound('Application', applicationId);
  // Data accessor administration belongs to the customer's account, never to the ISV.
  if (caller.accountId !== app.accountId || (caller.kind === 'session' && caller.session.identity)) {
    throw accessDenied(`User: ${caller.arn} is not authorized to manage data accessors of ${app.arn}`);
  }
  return app;
}

export function createDataAccessor(ctx: SandboxContext, app: Application, body: Record<string, unknown>) {
  const input = validateCreate(body);
  const existing = [...app.dataAccessors.values()].find((d) => input.clientToken && d.clientToken === input.clientToken);
  if (existing) return { output: createOutput(existing), detail: { dataAccessorId: existing.id, idempotent: true } };
  if (app.dataAccessors.size >= MAX_PER_APPLICATION) {
    throw new ServiceError('ServiceQuotaExceededException', 402, `Application ${app.id} already has ${MAX_PER_APPLICATION} data accessors.`, {
      resourceId: app.id,
      resourceType: 'DataAccessor',
    });
  }
  const tti = input.trustedTokenIssuerArn === undefined ? undefined : app.instance.trustedTokenIssuers.get(input.trustedTokenIssuerArn);
  if (input.authenticationType === 'AWS_IAM_IDC_TTI' && !tti) throw notFound('TrustedTokenIssuer', String(input.trustedTokenIssuerArn));
  const id = newUuid();
  const da = newDataAccessor(ctx.world, app, {
    id,
    displayName: input.displayName,
    principal: input.principal,
    externalId: input.externalId,
    authenticationType: input.authenticationType,
    ...(tti ? { trustedTokenIssuerArn: tti.arn } : {}),
    actionConfigurations: input.actionConfigurations,
    at: ctx.now(),
    clientToken: input.clientToken,
  });
  app.dataAccessors.set(id, da);
  return { output: createOutput(da), detail: { dataAccessorId: id, principal: da.principal, externalId: da.externalId } };
}

const createOutput = (da: DataAccessor) => ({ dataAccessorId: da.id, idcApplicationArn: da.idcApplicationArn, dataAccessorArn: da.arn });

function summary(da: DataAccessor) {
  return {
    displayName: da.displayName,
    dataAccessorId: da.id,
    dataAccessorArn: da.arn,
    idcApplicationArn: da.idcApplicationArn,
    principal: da.principal,
    authenticationDetail:
      da.authenticationType === 'AWS_IAM_IDC_TTI'
        ? {
            authenticationType: da.authenticationType,
            authenticationConfiguration: { idcTrustedTokenIssuerConfiguration: { idcTrustedTokenIssuerArn: da.trustedTokenIssuerArn } },
            externalIds: [da.externalId],
          }
        : { authenticationType: da.authenticationType, externalIds: [da.externalId] },
    createdAt: epochSeconds(da.createdAt),
    updatedAt: epochSeconds(da.updatedAt),
  };
}

export function getDataAccessor(app: Application, id: string) {
  const da = app.dataAccessors.get(id);
  if (!da) throw notFound('DataAccessor', id);
  return { output: { ...summary(da), applicationId: app.id, actionConfigurations: da.actionConfigurations }, detail: { dataAccessorId: id } };
}

export function listDataAccessors(ctx: SandboxContext, app: Application, query: URLSearchParams) {
  const maxRaw = query.get('maxResults');
  const max = maxRaw === null ? 10 : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > 10) throw validationError([{ name: 'maxResults', message: 'must be an integer between 1 and 10' }]);
  const token = query.get('nextToken');
  let offset = 0;
  if (token !== null) {
    const page = ctx.sealer.open<{ o: number; a: string }>('da-page', token);
    if (!page || page.a !== app.id) throw validationError([{ name: 'nextToken', message: 'is invalid' }]);
    offset = page.o;
  }
  const all = [...app.dataAccessors.values()];
  const page = all.slice(offset, offset + max);
  const end = offset + page.length;
  return {
    output: { dataAccessors: page.map(summary), ...(end < all.length ? { nextToken: ctx.sealer.seal('da-page', { o: end, a: app.id }) } : {}) },
    detail: { count: page.length },
  };
}

export function deleteDataAccessor(ctx: SandboxContext, app: Application, id: string) {
  if (!app.dataAccessors.delete(id)) throw notFound('DataAccessor', id);
  ctx.throttles.set(id, undefined);
  return { output: {}, detail: { dataAccessorId: id } };
}
