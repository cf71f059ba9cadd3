// Builds the runtime model from a fixture and indexes it for the lookups each service needs.
import type { SandboxFixture, DataAccessorFixture, IdentityCenterFixture, ApplicationFixture } from '../fixture/types.js';
import type { ActionConfiguration, Application, DataAccessor, IdcInstance, Principal, Role, TrustedTokenIssuer } from './model.js';
import { accountOf, resourceName, sha256Hex, stableUuid } from '../util.js';
import { buildDocs } from './documents.js';
import { buildIndex } from '../qbusiness/search-index.js';
import { validateFilter } from '../qbusiness/validate-filter.js';
import type { AttributeFilter } from '../qbusiness/attributes.js';

const DATA_ACCESSOR_PERMISSIONS = ['qbusiness:SearchRelevantContent', 'sso-oauth:CreateTokenWithIAM', 'kms:Decrypt', 'sts:SetContext'];

export interface World {
  principals: Map<string, Principal>;
  roles: Map<string, Role>;
  instances: Map<string, IdcInstance>;
  applications: Map<string, Application>;
  isvAudiences: Map<string, string>;
  /** ISV principal → the redirect URIs it registered for authorization-code data accessors. */
  isvRedirectUris: Map<string, string[]>;
}

export function buildWorld(fixture: SandboxFixture, now: () => number = Date.now): World {
  const world: World = {
    principals: new Map(fixture.principals.map((p) => [p.accessKeyId, { ...p, accountId: accountOf(p.arn) }])),
    roles: new Map(
      fixture.roles.map((r) => [
        r.arn,
        {
          arn: r.arn,
          name: resourceName(r.arn),
          accountId: accountOf(r.arn),
          roleId: `AROA${sha256Hex(r.arn).slice(0, 17).toUpperCase()}`,
          maxSessionDuration: r.maxSessionDuration ?? 3600,
          trust: r.trust.map((t) => ({ principal: t.principal, actions: new Set(t.actions) })),
          permissions: new Set(r.permissions ?? DATA_ACCESSOR_PERMISSIONS),
        },
      ]),
    ),
    instances: new Map(fixture.identityCenters.map((i) => [i.instanceArn, buildInstance(i)])),
    applications: new Map(),
    isvAudiences: new Map((fixture.isvs ?? []).map((i) => [i.principal, i.oidcClientId])),
    isvRedirectUris: new Map((fixture.isvs ?? []).map((i) => [i.principal, i.redirectUris ?? []])),
  };
  for (const app of fixture.applications) world.applications.set(app.applicationId, buildApplication(world, app, now()));
  return world;
}

function buildInstance(i: IdentityCenterFixture): IdcInstance {
  const instanceId = resourceName(i.instanceArn);
  const instance: IdcInstance = {
    instanceArn: i.instanceArn,
    instanceId,
    identityStoreId: i.identityStoreId,
    accountId: i.accountId,
    region: i.region,
    groups: new Set([...(i.groups ?? []), ...i.users.flatMap((u) => u.groups ?? [])]),
    users: i.users.map((u) => ({
      id: u.id ?? stableUuid(`${i.identityStoreId}/${u.userName}`),
      userName: u.userName,
      displayName: u.displayName ?? u.userName,
      emails: u.emails,
      groups: u.groups ?? [],
      licensed: u.licensed ?? true,
      ...(u.password !== undefined ? { password: u.password } : {}),
    })),
    trustedTokenIssuers: new Map(),
  };
  for (const t of i.trustedTokenIssuers ?? []) {
    const tti: TrustedTokenIssuer = {
      arn: ttiArn(instance, t.id ?? stableUuid(`${i.instanceArn}/${t.name}`)),
      name: t.name,
      instanceArn: i.instanceArn,
      issuerUrl: t.issuerUrl,
      claimAttributePath: t.claimAttributePath ?? 'email',
      identityStoreAttributePath: t.identityStoreAttributePath ?? 'emails.value',
    };
    instance.trustedTokenIssuers.set(tti.arn, tti);
  }
  return instance;
}

export const ttiArn = (instance: IdcInstance, uuid: string): string =>
  `arn:aws:sso::${instance.accountId}:trustedTokenIssuer/${instance.instanceId}/tti-${uuid}`;

const idcApplicationArn = (instance: IdcInstance, seed: string): string =>
  `arn:aws:sso::${instance.accountId}:application/${instance.instanceId}/apl-${sha256Hex(seed).slice(0, 16)}`;

const applicationArn = (a: ApplicationFixture): string => `arn:aws:qbusiness:${a.region}:${a.accountId}:application/${a.applicationId}`;

function buildApplication(world: World, a: ApplicationFixture, createdAt: number): Application {
  const instance = world.instances.get(a.identityCenterInstanceArn);
  if (!instance) throw new Error(`application ${a.applicationId}: unknown Identity Center instance ${a.identityCenterInstanceArn}`);
  const dataSourceId = a.dataSourceId ?? stableUuid(`${a.applicationId}/datasource`);
  const { docs, chunks } = buildDocs(a, dataSourceId);
  const app: Application = {
    id: a.applicationId,
    arn: applicationArn(a),
    name: a.name,
    accountId: a.accountId,
    region: a.region,
    instance,
    retrievers: new Set(a.retrievers.map((r) => r.retrieverId)),
    dataSourceId,
    docs,
    chunks,
    index: buildIndex({ docs, chunks }),
    dataAccessors: new Map(),
  };
  for (const d of a.dataAccessors ?? []) app.dataAccessors.set(d.dataAccessorId, buildDataAccessor(world, app, d, createdAt));
  return app;
}

function buildDataAccessor(world: World, app: Application, d: DataAccessorFixture, createdAt: number): DataAccessor {
  const authCode = d.authenticationType === 'AWS_IAM_IDC_AUTH_CODE';
  const tti = [...app.instance.trustedTokenIssuers.values()].find((t) => t.arn === d.trustedTokenIssuer || t.name === d.trustedTokenIssuer);
  if (!tti && !authCode) throw new Error(`data accessor ${d.dataAccessorId}: unknown trusted token issuer ${d.trustedTokenIssuer}`);
  let filter: AttributeFilter | undefined;
  if (d.filter !== undefined) {
    const problems = validateFilter(d.filter, 'filter');
    if (problems.length > 0) throw new Error(`data accessor ${d.dataAccessorId}: ${problems.map((p) => p.message).join('; ')}`);
    filter = d.filter as AttributeFilter;
  }
  return newDataAccessor(world, app, {
    id: d.dataAccessorId,
    displayName: d.displayName,
    principal: d.principal,
    externalId: d.externalId,
    ...(authCode ? { authenticationType: 'AWS_IAM_IDC_AUTH_CODE' as const } : { trustedTokenIssuerArn: tti!.arn }),
    actionConfigurations: [
      {
        action: 'qbusiness:SearchRelevantContent',
        ...(filter ? { filterConfiguration: { documentAttributeFilter: filter } } : {}),
      },
    ],
    at: createdAt,
    idcApplicationArn: d.idcApplicationArn,
    audiences: d.audiences,
    assignmentRequired: d.assignmentRequired,
    assignedUsers: d.assignments?.users,
    assignedGroups: d.assignments?.groups,
  });
}

interface NewDataAccessor {
  id: string;
  displayName: string;
  principal: string;
  externalId: string;
  /** Default AWS_IAM_IDC_TTI, which needs trustedTokenIssuerArn. */
  authenticationType?: DataAccessor['authenticationType'];
  trustedTokenIssuerArn?: string;
  actionConfigurations: ActionConfiguration[];
  /** Creation time (ms). */
  at: number;
  /** Defaults: an idcApplicationArn derived from the application and id, the principal's ISV OIDC client as audience, no assignment required. */
  idcApplicationArn?: string | undefined;
  audiences?: string[] | undefined;
  assignmentRequired?: boolean | undefined;
  assignedUsers?: string[] | undefined;
  assignedGroups?: string[] | undefined;
  clientToken?: string | undefined;
}

/** A data accessor of `app` (from the fixture or CreateDataAccessor), with its derived ARNs and defaults. */
export function newDataAccessor(world: World, app: Application, d: NewDataAccessor): DataAccessor {
  const audience = world.isvAudiences.get(d.principal);
  return {
    id: d.id,
    arn: `${app.arn}/data-accessor/${d.id}`,
    applicationId: app.id,
    displayName: d.displayName,
    principal: d.principal,
    externalId: d.externalId,
    authenticationType: d.authenticationType ?? 'AWS_IAM_IDC_TTI',
    ...(d.trustedTokenIssuerArn ? { trustedTokenIssuerArn: d.trustedTokenIssuerArn } : {}),
    redirectUris: d.authenticationType === 'AWS_IAM_IDC_AUTH_CODE' ? (world.isvRedirectUris.get(d.principal) ?? []) : [],
    idcApplicationArn: d.idcApplicationArn ?? idcApplicationArn(app.instance, `${app.id}/${d.id}`),
    audiences: d.audiences ?? (audience ? [audience] : []),
    assignmentRequired: d.assignmentRequired ?? false,
    assignedUsers: new Set(d.assignedUsers ?? []),
    assignedGroups: new Set(d.assignedGroups ?? []),
    actionConfigurations: d.actionConfigurations,
    createdAt: d.at,
    updatedAt: d.at,
    ...(d.clientToken ? { clientToken: d.clientToken } : {}),
  };
}

/** Finds the data accessor whose Identity Center application has this ARN. */
export function findByIdcApplication(world: World, arn: string): { app: Application; da: DataAccessor } | undefined {
  for (const app of world.applications.values()) {
    for (const da of app.dataAccessors.values()) if (da.idcApplicationArn === arn) return { app, da };
  }
  return undefined;
}
