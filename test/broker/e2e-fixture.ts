// The sandbox world for the broker's end-to-end tests: one ISV role, one Identity Center
// with four users, one Q Business application with data accessors for tenants
// e2e-a (assignment required) and e2e-throttled.
export const IDS = {
  app: 'a1b2c3d4-5678-90ab-cdef-e2e000000001',
  retriever: 'a1b2c3d4-5678-90ab-cdef-e2e000000002',
  daA: 'a1b2c3d4-5678-90ab-cdef-e2e000000003',
  daThrottled: 'a1b2c3d4-5678-90ab-cdef-e2e000000004',
  idcAppA: 'arn:aws:sso::444455556666:application/ssoins-1234567890abcdef/apl-aaaaaaaaaaaaaaaa',
  idcAppT: 'arn:aws:sso::444455556666:application/ssoins-1234567890abcdef/apl-tttttttttttttttt',
  role: 'arn:aws:iam::111122223333:role/DataAccessorRole',
};

const publicDocs = Array.from({ length: 7 }, (_, i) => ({
  id: `public-${i}`,
  title: `Handbook part ${i}`,
  uri: `https://docs.example.com/handbook/${i}`,
  content: `Project x handbook part ${i}: status of project x and onboarding.`,
  attributes: { department: i % 2 ? 'eng' : 'hr', year: 2020 + i },
}));

export function e2eFixture() {
  const dataAccessor = (id: string, externalId: string, idcApplicationArn: string, extra: Record<string, unknown> = {}) => ({
    dataAccessorId: id,
    displayName: externalId,
    principal: IDS.role,
    externalId,
    trustedTokenIssuer: 'isv',
    idcApplicationArn,
    ...extra,
  });
  return {
    principals: [{ arn: 'arn:aws:iam::111122223333:user/isv-broker', accessKeyId: 'AKIAE2EBROKER0000001', secretAccessKey: 'e2e-base-secret-value' }],
    roles: [
      { arn: IDS.role, trust: [{ principal: 'arn:aws:iam::111122223333:user/isv-broker', actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetContext'] }] },
    ],
    isvs: [{ displayName: 'ISV', principal: IDS.role, oidcClientId: '${DATA_ACCESSOR_CLIENT_ID}' }],
    identityCenters: [
      {
        instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
        identityStoreId: 'd-1234567890',
        accountId: '444455556666',
        region: 'us-east-1',
        groups: ['eng', 'sales'],
        users: [
          { userName: 'alice', emails: ['alice@corp.example'], groups: ['eng'] },
          { userName: 'bob', emails: ['bob@corp.example'], groups: ['sales'] },
          { userName: 'carol', emails: ['carol@corp.example'] },
        ],
        trustedTokenIssuers: [{ name: 'isv', issuerUrl: '${ISSUER}' }],
      },
    ],
    applications: [
      {
        applicationId: IDS.app,
        name: 'Corp',
        accountId: '444455556666',
        region: 'us-east-1',
        identityCenterInstanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
        retrievers: [{ retrieverId: IDS.retriever }],
        documents: [
          ...publicDocs,
          { id: 'eng-secret', title: 'Engineering roadmap', content: 'Project x status: engineering roadmap, confidential.', acl: { groups: ['eng'] } },
          { id: 'sales-secret', title: 'Sales pipeline', content: 'Project x status: sales pipeline numbers.', acl: { users: ['bob@corp.example'] } },
        ],
        dataAccessors: [
          dataAccessor(IDS.daA, 'e2e-a', IDS.idcAppA, { assignmentRequired: true, assignments: { groups: ['eng', 'sales'] } }),
          dataAccessor(IDS.daThrottled, 'e2e-throttled', IDS.idcAppT),
        ],
      },
    ],
  };
}

export const tenantDetails = (sandboxUrl: string, idcApplicationArn = IDS.idcAppA) => ({
  qbusinessApplicationId: IDS.app,
  retrieverId: IDS.retriever,
  qbusinessRegion: 'us-east-1',
  idcRegion: 'us-east-1',
  idcApplicationArn,
  roleArn: IDS.role,
  stsEndpoint: sandboxUrl,
  ssoOidcEndpoint: sandboxUrl,
  qbusinessEndpoint: sandboxUrl,
});
