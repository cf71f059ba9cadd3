// Request and response examples of the OpenAPI document. test/broker/openapi.test.ts checks
// each against its schema (and request bodies against the zod schemas that validate them).
const tenantDetails = {
  qbusinessApplicationId: 'a1b2c3d4-5678-90ab-cdef-example11111',
  qbusinessRegion: 'us-east-1',
  retrieverId: 'a1b2c3d4-5678-90ab-cdef-example22222',
  idcApplicationArn: 'arn:aws:sso::123456789012:application/ssoins-0123456789abcdef/apl-0123456789abcdef',
  idcRegion: 'us-east-1',
  roleArn: 'arn:aws:iam::444455556666:role/DataAccessorRole',
};
const tenant = {
  id: 'acme',
  name: 'Acme Corp',
  status: 'active',
  ...tenantDetails,
  stsEndpoint: null,
  ssoOidcEndpoint: null,
  qbusinessEndpoint: null,
  allowBackendAccess: false,
  auditQueryText: false,
  mfaPolicy: 'off',
  createdAt: '2026-01-05T09:30:00.000Z',
  updatedAt: '2026-01-05T09:42:10.000Z',
  missingDetails: [],
};
const pendingTenant = {
  ...tenant,
  status: 'pending',
  ...Object.fromEntries(Object.keys(tenantDetails).map((k) => [k, null])),
  updatedAt: tenant.createdAt,
  missingDetails: Object.keys(tenantDetails),
};

type Examples = Record<string, { summary: string; value: unknown }>;

const upstream = {
  id: 'acme-okta',
  displayName: 'Acme Okta',
  issuer: 'https://acme.okta.example/oauth2/default',
  clientId: '0oa1bcdefgHIJKLmn2x7',
  hasClientSecret: true,
  scopes: ['openid', 'email', 'profile'],
  tenants: ['acme'],
  emailDomains: ['acme.example'],
  claimEmail: 'email',
  claimEmailVerified: 'email_verified',
  claimName: 'name',
  claimGroups: 'groups',
  tenantClaim: null,
  tenantMap: {},
  tokenAudience: '0oa1bcdefgHIJKLmn2x7',
  clockSkewSeconds: 30,
  enabled: true,
  login: true,
  trustedIssuer: true,
  createdAt: '2026-01-05T09:30:00.000Z',
  updatedAt: '2026-01-05T09:30:00.000Z',
};

export const examples = {
  searchRequest: {
    userToken: {
      summary: 'As a signed-in user (their ID token)',
      value: {
        queryText: 'status of project kestrel',
        user: { token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl' },
        maxResults: 10,
        minConfidence: 'MEDIUM',
      },
    },
    backendFiltered: {
      summary: 'Backend search by user id, with an attribute filter',
      value: {
        queryText: 'thermal vacuum test results',
        user: { id: '3f0c9d7e-2b1a-4c5d-8e9f-0a1b2c3d4e5f' },
        maxResults: 5,
        attributeFilter: {
          andAllFilters: [
            { equalsTo: { name: 'department', value: { stringValue: 'engineering' } } },
            { greaterThanOrEquals: { name: '_created_at', value: { dateValue: '2025-01-01T00:00:00Z' } } },
          ],
        },
      },
    },
    nextPage: {
      summary: 'The next page (nextToken of the previous response)',
      value: {
        queryText: 'status of project kestrel',
        user: { id: '3f0c9d7e-2b1a-4c5d-8e9f-0a1b2c3d4e5f' },
        nextToken: 'AAMA-EFRSURBSGh4b3JlcGxhY2VkLXRva2Vu',
      },
    },
  } satisfies Examples,
  searchResponse: {
    page: {
      summary: 'One page of results, more to follow',
      value: {
        results: [
          {
            content: 'Kestrel passed its thermal vacuum test on 12 March; two heater zones need rework before flight.',
            documentId: 'eng-kestrel-tvac',
            title: 'Kestrel thermal vacuum test report',
            uri: 'https://wiki.acme.example/eng/kestrel/tvac',
            attributes: [{ name: 'department', value: { stringValue: 'engineering' } }],
            confidence: 'HIGH',
          },
        ],
        nextToken: 'AAMA-EFRSURBSGh4b3JlcGxhY2VkLXRva2Vu',
      },
    },
    last: { summary: 'The last page', value: { results: [], nextToken: null } },
  } satisfies Examples,
  tenantList: { tenants: { summary: 'Two tenants', value: { tenants: [tenant, { ...pendingTenant, id: 'globex', name: 'Globex' }] } } } satisfies Examples,
  tenantCreate: {
    minimal: { summary: 'Id and name only (pending until the details are set)', value: { id: 'acme', name: 'Acme Corp' } },
    complete: { summary: 'With every data-accessor detail (active at once)', value: { id: 'acme', name: 'Acme Corp', ...tenantDetails } },
  } satisfies Examples,
  tenantUpdate: {
    details: { summary: 'Set the details the customer sent', value: tenantDetails },
    backend: { summary: 'Allow backend searches by user id; clear an endpoint override', value: { allowBackendAccess: true, stsEndpoint: null } },
  } satisfies Examples,
  tenant: {
    active: { summary: 'An active tenant', value: tenant },
    pending: { summary: 'A new tenant, details missing', value: pendingTenant },
  } satisfies Examples,
  disabledTenant: { disabled: { summary: 'Disabled', value: { ...tenant, status: 'disabled' } } } satisfies Examples,
  connectRequest: {
    token: {
      summary: "Connect the signed-in user; come back to the ISV's settings page",
      value: {
        user: { token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjIwMjYtMDEifQ.eyJzdWIiOiIzZjBjOWQ3ZSJ9.c2lnbmF0dXJl' },
        returnUrl: 'https://app.isv.example/settings/q',
      },
    },
  } satisfies Examples,
  connectResponse: {
    url: {
      summary: 'The Identity Center sign-in for this user',
      value: {
        authorizeUrl:
          'https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=arn%3Aaws%3Asso%3A%3A444455556666%3Aapplication%2Fssoins-1111111111111111%2Fapl-2222222222222222&redirect_uri=https%3A%2F%2Fidp.isv.example%2Fidc%2Fcallback&state=q8Yb0dW2&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
        expiresAt: '2026-01-05T09:40:00.000Z',
      },
    },
  } satisfies Examples,
  onboardingLinkRequest: {
    default: { summary: 'The default lifetime (7 days)', value: {} },
    day: { summary: 'A link for one day', value: { expiresInSeconds: 86400 } },
  } satisfies Examples,
  onboardingLink: {
    link: {
      summary: "The link to send to the customer's administrator",
      value: {
        tenantId: 'acme',
        url: 'https://idp.acme.example/onboard?link=v1.eyJ0IjoiYWNtZSIsImV4cCI6MTc2ODIwNjQwMH0.c2lnbmF0dXJl',
        expiresAt: '2026-01-12T09:30:00.000Z',
      },
    },
  } satisfies Examples,
  checkRequest: {
    email: { summary: 'By email', value: { email: 'alice@acme.example' } },
    userId: { summary: 'By user id', value: { userId: '3f0c9d7e-2b1a-4c5d-8e9f-0a1b2c3d4e5f' } },
  } satisfies Examples,
  checkReport: {
    failed: {
      summary: 'Identity Center refused the user',
      value: {
        tenantId: 'acme',
        userId: '3f0c9d7e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        ok: false,
        failedStep: 'create_token',
        settings: {
          status: 'active',
          roleArn: 'arn:aws:iam::111122223333:role/QBusinessDataAccessorRole',
          idcApplicationArn: 'arn:aws:sso::111122223333:application/ssoins-1234567890abcdef/apl-1234567890abcdef',
          idcRegion: 'us-east-1',
          qbusinessApplicationId: 'a1b2c3d4-5678-90ab-cdef-111122223333',
          qbusinessRegion: 'us-east-1',
          retrieverId: 'r1b2c3d4-5678-90ab-cdef-111122223333',
          endpoints: { sts: null, ssoOidc: null, qbusiness: null },
          updatedAt: '2026-01-05T10:14:40.000Z',
        },
        steps: [
          { step: 'tenant', ok: true },
          { step: 'user', ok: true },
          { step: 'assume_role', ok: true, latencyMs: 84, requestId: 'c1d2e3f4-1111-4a2b-9c3d-000000000001' },
          { step: 'mint_assertion', ok: true, latencyMs: 2 },
          {
            step: 'create_token',
            ok: false,
            latencyMs: 131,
            requestId: 'c1d2e3f4-1111-4a2b-9c3d-000000000002',
            error: {
              code: 'identity_access_denied',
              message:
                "Identity Center denied the exchange for a user of tenant 'acme' (AccessDeniedException). AWS said: User is not assigned to the application. Candidate causes: assignment (sent email = 'alice@example.com'); caller_permission (sent role = 'arn:aws:iam::111122223333:role/QBusinessDataAccessorRole').",
            },
          },
        ],
      },
    },
  } satisfies Examples,
  auditPage: {
    page: {
      summary: 'Newest first, with a cursor to older events',
      value: {
        events: [
          {
            id: '1042',
            at: '2026-01-05T10:15:02.311Z',
            kind: 'search',
            tenantId: 'acme',
            userId: '3f0c9d7e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
            serviceClientId: 'svc-reporting',
            outcome: 'success',
            errorCode: null,
            awsRequestIds: ['d4e5f6a7-2222-4b3c-8d4e-000000000003'],
            latencyMs: 212,
            queryText: null,
            detail: null,
          },
        ],
        nextCursor: '1042',
      },
    },
  } satisfies Examples,
  upstreamList: { upstreams: { summary: 'One upstream in both roles', value: { upstreams: [upstream] } } } satisfies Examples,
  upstreamCreate: {
    okta: {
      summary: 'Okta for sign-in and as a trusted issuer of its ID tokens',
      value: {
        id: 'acme-okta',
        displayName: 'Acme Okta',
        issuer: 'https://acme.okta.example/oauth2/default',
        clientId: '0oa1bcdefgHIJKLmn2x7',
        clientSecret: 'the-client-secret-from-okta',
        tenants: ['acme'],
        emailDomains: ['acme.example'],
        claimGroups: 'groups',
        tokenAudience: '0oa1bcdefgHIJKLmn2x7',
      },
    },
  } satisfies Examples,
  upstreamUpdate: { disable: { summary: 'Stop offering it, keep the settings', value: { enabled: false } } } satisfies Examples,
  upstream: { upstream: { summary: 'The upstream (never its secret)', value: upstream } } satisfies Examples,
};
