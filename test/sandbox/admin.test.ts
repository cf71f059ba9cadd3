// The customer's setup steps through the real SDK: SSO Admin CreateTrustedTokenIssuer and
// assignment configuration, Q Business Create/Get/List/DeleteDataAccessor, then the ISV flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTrustedTokenIssuerCommand,
  PutApplicationAssignmentConfigurationCommand,
  CreateApplicationAssignmentCommand,
  ConflictException,
} from '@aws-sdk/client-sso-admin';
import {
  CreateDataAccessorCommand,
  GetDataAccessorCommand,
  ListDataAccessorsCommand,
  DeleteDataAccessorCommand,
  SearchRelevantContentCommand,
  AccessDeniedException,
  ResourceNotFoundException,
} from '@aws-sdk/client-qbusiness';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateTokenWithIAMCommand } from '@aws-sdk/client-sso-oidc';
import { IDENTITY_CENTER_PROVIDER_ARN } from '../../src/sandbox/index.js';
import { startHarness, expectError, TENANT_TAG, CLIENT_ID, type Harness } from './harness.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';
import { checkAll } from './fidelity.js';

let h: Harness;
let acmeIssuer: TestIssuer;
before(async () => {
  h = await startHarness();
  acmeIssuer = await startTestIssuer({ audience: CLIENT_ID, now: h.clock.now });
});
after(async () => {
  await acmeIssuer.close();
  await h.close();
});

const INSTANCE = 'arn:aws:sso:::instance/ssoins-7223a9d5c8e0b4f1';
const tti = (name: string, url: string) =>
  new CreateTrustedTokenIssuerCommand({
    InstanceArn: INSTANCE,
    Name: name,
    TrustedTokenIssuerType: 'OIDC_JWT',
    TrustedTokenIssuerConfiguration: {
      OidcJwtConfiguration: {
        IssuerUrl: url,
        ClaimAttributePath: 'email',
        IdentityStoreAttributePath: 'emails.value',
        JwksRetrievalOption: 'OPEN_ID_DISCOVERY',
      },
    },
  });

test('a customer sets up a second data accessor and the ISV searches through it', async () => {
  const sso = h.ssoAdmin();
  const { TrustedTokenIssuerArn } = await sso.send(tti('acme-tti', acmeIssuer.url));
  assert.match(TrustedTokenIssuerArn ?? '', /^arn:aws:sso::444455556666:trustedTokenIssuer\/ssoins-7223a9d5c8e0b4f1\/tti-[0-9a-f-]{36}$/);
  await expectError(sso.send(tti('acme-tti', acmeIssuer.url)), 'ConflictException', 400, ConflictException);

  const qa = h.qb(h.admin);
  const created = await qa.send(
    new CreateDataAccessorCommand({
      applicationId: h.setup.applicationId,
      principal: h.setup.roleArn,
      displayName: 'acme-isv',
      actionConfigurations: [
        {
          action: 'qbusiness:SearchRelevantContent',
          filterConfiguration: { documentAttributeFilter: { equalsTo: { name: 'department', value: { stringValue: 'it' } } } },
        },
      ],
      authenticationDetail: {
        authenticationType: 'AWS_IAM_IDC_TTI',
        authenticationConfiguration: { idcTrustedTokenIssuerConfiguration: { idcTrustedTokenIssuerArn: TrustedTokenIssuerArn! } },
        externalIds: ['acme'],
      },
    }),
  );
  assert.match(created.idcApplicationArn ?? '', /^arn:aws:sso::444455556666:application\/ssoins-7223a9d5c8e0b4f1\/apl-[0-9a-f]{16}$/);
  const got = await qa.send(new GetDataAccessorCommand({ applicationId: h.setup.applicationId, dataAccessorId: created.dataAccessorId! }));
  assert.equal(got.displayName, 'acme-isv');
  assert.deepEqual(got.authenticationDetail?.externalIds, ['acme']);
  assert.ok(got.createdAt instanceof Date);
  const page1 = await qa.send(new ListDataAccessorsCommand({ applicationId: h.setup.applicationId, maxResults: 1 }));
  assert.equal(page1.dataAccessors?.length, 1);
  const page2 = await qa.send(new ListDataAccessorsCommand({ applicationId: h.setup.applicationId, nextToken: page1.nextToken! }));
  assert.equal(page2.dataAccessors?.length, 2); // the fixture has two (demo, demo-idc)
  // The second page continues the first (a token that restarted at 0 would repeat the same accessor).
  assert.notEqual(page2.dataAccessors?.[0]?.dataAccessorId, page1.dataAccessors?.[0]?.dataAccessorId);
  assert.equal(page2.nextToken, undefined);

  await h.ssoAdmin().send(new PutApplicationAssignmentConfigurationCommand({ ApplicationArn: created.idcApplicationArn!, AssignmentRequired: true }));
  const tags = [{ Key: TENANT_TAG, Value: 'acme' }];
  const first = await h.sts().send(new AssumeRoleCommand({ RoleArn: h.setup.roleArn, RoleSessionName: 'acme', Tags: tags }));
  const c1 = {
    accessKeyId: first.Credentials!.AccessKeyId!,
    secretAccessKey: first.Credentials!.SecretAccessKey!,
    sessionToken: first.Credentials!.SessionToken!,
  };
  const exchange = async () =>
    h.oidc(c1).send(
      new CreateTokenWithIAMCommand({
        clientId: created.idcApplicationArn!,
        grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: await acmeIssuer.mint({ email: 'bob@example.com' }),
      }),
    );
  await expectError(exchange(), 'AccessDeniedException', 400);
  await h.ssoAdmin().send(new CreateApplicationAssignmentCommand({ ApplicationArn: created.idcApplicationArn!, PrincipalId: 'sales', PrincipalType: 'GROUP' }));
  const token = await exchange();
  const second = await h.sts().send(
    new AssumeRoleCommand({
      RoleArn: h.setup.roleArn,
      RoleSessionName: 'acme',
      Tags: tags,
      ProvidedContexts: [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: token.awsAdditionalDetails!.identityContext! }],
    }),
  );
  const c2 = {
    accessKeyId: second.Credentials!.AccessKeyId!,
    secretAccessKey: second.Credentials!.SecretAccessKey!,
    sessionToken: second.Credentials!.SessionToken!,
  };
  const out = await h.qb(c2).send(
    new SearchRelevantContentCommand({
      applicationId: h.setup.applicationId,
      queryText: 'vpn laptop security pricing',
      maxResults: 50,
      contentSource: { retriever: { retrieverId: h.setup.retrieverId } },
    }),
  );
  const docs = new Set(out.relevantContent?.map((c) => c.documentId));
  assert.deepEqual([...docs].sort(), ['handbook/security-basics', 'it/laptop-refresh', 'it/vpn']);

  await qa.send(new DeleteDataAccessorCommand({ applicationId: h.setup.applicationId, dataAccessorId: created.dataAccessorId! }));
  await expectError(
    qa.send(new GetDataAccessorCommand({ applicationId: h.setup.applicationId, dataAccessorId: created.dataAccessorId! })),
    'ResourceNotFoundException',
    404,
    ResourceNotFoundException,
  );
  await expectError(exchange(), 'InvalidClientException', 401);
});

test('data accessor administration is validated and reserved to the customer account', async () => {
  const input = {
    applicationId: h.setup.applicationId,
    principal: h.setup.roleArn,
    displayName: 'x',
    actionConfigurations: [{ action: 'qbusiness:SearchRelevantContent' }],
    authenticationDetail: {
      authenticationType: 'AWS_IAM_IDC_TTI' as const,
      authenticationConfiguration: { idcTrustedTokenIssuerConfiguration: { idcTrustedTokenIssuerArn: h.setup.trustedTokenIssuerArn } },
      externalIds: ['t1'],
    },
  };
  await expectError(h.qb(h.base).send(new CreateDataAccessorCommand(input)), 'AccessDeniedException', 403, AccessDeniedException);
  const bad = await expectError(
    h.qb(h.admin).send(new CreateDataAccessorCommand({ ...input, displayName: 'bad name', actionConfigurations: [{ action: 'qbusiness:Chat' }] })),
    'ValidationException',
    400,
  );
  assert.deepEqual(
    (bad['fields'] as { name: string }[]).map((f) => f.name),
    ['displayName', 'actionConfigurations[0].action'],
  );
  await expectError(h.ssoAdmin(h.base).send(tti('isv-tti', 'https://isv.example')), 'AccessDeniedException', 400);
  await expectError(
    h.ssoAdmin().send(
      new CreateTrustedTokenIssuerCommand({
        InstanceArn: INSTANCE,
        Name: 'x',
        TrustedTokenIssuerType: 'OIDC_JWT',
        TrustedTokenIssuerConfiguration: {
          OidcJwtConfiguration: {
            IssuerUrl: 'https://a.example',
            ClaimAttributePath: 'email',
            IdentityStoreAttributePath: 'phoneNumbers.value',
            JwksRetrievalOption: 'OPEN_ID_DISCOVERY',
          },
        },
      }),
    ),
    'ValidationException',
    400,
  );
});

test('every response in this file matches the service models', () => {
  assert.deepEqual(checkAll(h.sandbox.responses), []);
});
