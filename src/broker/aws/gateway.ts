// The broker's only door to AWS: real SDK v3 clients. Base credentials come from the
// standard AWS credential chain unless the composition root passes some explicitly.
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { SSOOIDCClient, CreateTokenWithIAMCommand } from '@aws-sdk/client-sso-oidc';
import { NodeHttpHandler, NodeHttp2Handler } from '@smithy/node-http-handler';
import type { AwsCredentials, AwsGateway, TenantAws } from '../ports.js';
import { awsCall, type CallObserver } from './errors.js';
import { createSearcher } from './search.js';

// https://docs.aws.amazon.com/amazonq/latest/qbusiness-ug/isv-info-to-provide.html: both
// AssumeRole calls carry the tenant id in this session tag; the customer's Q Business
// resource policy matches it against the data accessor's tenant (external) id.
export const TENANT_TAG = 'qbusiness-dataaccessor:ExternalId';
export const IDC_CONTEXT_PROVIDER = 'arn:aws:iam::aws:contextProvider/IdentityCenter';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface AwsGatewayOptions {
  /** Omit to use the SDK's default credential chain (env, profile, container, IMDS). */
  baseCredentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** SDK attempts per call (standard retry mode); 1 disables retries. */
  maxAttempts?: number;
  sessionDurationSeconds?: number;
  /**
   * Transport for SearchRelevantContent: kept-alive HTTP/1.1 connections by default, like STS
   * and SSO-OIDC here; 'http2' multiplexes all searches over one connection per endpoint.
   * (The SDK's own default for Q Business opens a new HTTP/2 connection per call, because of
   * Chat's event streams, which the broker does not use.) In bench/broker.bench.ts a cached
   * search over HTTP/1.1 took 5–10 % less time than over a reused HTTP/2 session: Node's
   * HTTP/2 client does more work per request.
   */
  qbusinessProtocol?: 'http2' | 'http1';
  requestTimeoutMs?: number;
  /** Duration and outcome of every AWS call (metrics). */
  onCall?: CallObserver;
}

export function createAwsGateway(opts: AwsGatewayOptions = {}): AwsGateway {
  const timeout = opts.requestTimeoutMs ?? 10_000;
  // Shared handlers: per-user SDK clients reuse one connection pool each protocol.
  // The SDK's default of 50 connections per endpoint would cap one instance at about 100
  // searches/s per Region at Q Business's usual latency; beyond the cap, requests queue.
  const agent = { maxSockets: 256 };
  const http1 = new NodeHttpHandler({ requestTimeout: timeout, connectionTimeout: timeout, httpAgent: agent, httpsAgent: agent });
  // Q Business's transport (see qbusinessProtocol); an HTTP/2 handler only when asked for.
  const qbusinessHandler = opts.qbusinessProtocol === 'http2' ? new NodeHttp2Handler({ requestTimeout: timeout, disableConcurrentStreams: false }) : http1;
  const stsClients = new Map<string, STSClient>();
  const common = { maxAttempts: opts.maxAttempts ?? 3 };

  const sts = (t: TenantAws) => {
    const key = `${t.qbusinessRegion}|${t.stsEndpoint ?? ''}`;
    let c = stsClients.get(key);
    if (!c) {
      c = new STSClient({
        ...common,
        region: t.qbusinessRegion,
        endpoint: t.stsEndpoint ?? undefined,
        credentials: opts.baseCredentials,
        requestHandler: http1,
      });
      stsClients.set(key, c);
    }
    return c;
  };

  return {
    async assumeRole(t, { sessionName, identityContext }) {
      const out = await awsCall(
        identityContext ? 'assume_role_context' : 'assume_role',
        () =>
          sts(t).send(
            new AssumeRoleCommand({
              RoleArn: t.roleArn,
              RoleSessionName: sessionName,
              DurationSeconds: opts.sessionDurationSeconds ?? 3600,
              Tags: [{ Key: TENANT_TAG, Value: t.id }],
              ProvidedContexts: identityContext ? [{ ProviderArn: IDC_CONTEXT_PROVIDER, ContextAssertion: identityContext }] : undefined,
            }),
          ),
        opts.onCall,
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS returned no credentials');
      return {
        credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
        requestId: out.$metadata.requestId,
      };
    },

    async createTokenWithIam(t, credentials, grant) {
      const client = new SSOOIDCClient({ ...common, region: t.idcRegion, endpoint: t.ssoOidcEndpoint ?? undefined, credentials, requestHandler: http1 });
      const g = typeof grant === 'string' ? { grantType: 'jwt-bearer' as const, assertion: grant } : grant;
      const input =
        g.grantType === 'jwt-bearer'
          ? { grantType: JWT_BEARER, assertion: g.assertion }
          : g.grantType === 'authorization_code'
            ? { grantType: g.grantType, code: g.code, redirectUri: g.redirectUri, codeVerifier: g.codeVerifier }
            : { grantType: g.grantType, refreshToken: g.refreshToken };
      const out = await awsCall('create_token', () => client.send(new CreateTokenWithIAMCommand({ clientId: t.idcApplicationArn, ...input })), opts.onCall);
      const identityContext = out.awsAdditionalDetails?.identityContext ?? identityContextClaim(out.idToken);
      if (!identityContext) throw new Error('CreateTokenWithIAM returned no identity context');
      return { identityContext, requestId: out.$metadata.requestId, ...(out.refreshToken ? { refreshToken: out.refreshToken } : {}) };
    },

    searcher(t, credentials) {
      return createSearcher(t, credentials, { ...common, requestHandler: qbusinessHandler, onCall: opts.onCall });
    },

    close() {
      for (const c of stsClients.values()) c.destroy();
      http1.destroy();
      if (qbusinessHandler !== http1) qbusinessHandler.destroy();
    },
  };
}

/** The `sts:identity_context` claim of the IDC id token; it is not verified (STS verifies it). */
function identityContextClaim(idToken?: string): string | undefined {
  const payload = idToken?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims['sts:identity_context'] === 'string' ? claims['sts:identity_context'] : undefined;
  } catch {
    return undefined;
  }
}
