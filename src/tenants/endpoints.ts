// Where a tenant's AWS endpoint overrides may point. The broker sends the user's freshly
// minted assertion to ssoOidcEndpoint and signed AWS requests to the others, so an override
// is a place our credentials and assertions go: only AWS's own endpoint hosts, the origins
// an operator lists in ENDPOINT_ALLOWLIST, and (development only) the AWS sandbox running
// in this very process. Checked when a tenant is written and again before every use.
import { AppError, type FieldProblem } from '../shared/errors.js';

export const ENDPOINT_FIELDS = ['stsEndpoint', 'ssoOidcEndpoint', 'qbusinessEndpoint'] as const;
export type EndpointField = (typeof ENDPOINT_FIELDS)[number];

/** The host prefix of each service (AWS's endpoint naming: `<prefix>[-fips].<region>.<domain>`). */
const SERVICE: Record<EndpointField, string> = { stsEndpoint: 'sts', ssoOidcEndpoint: 'oidc', qbusinessEndpoint: 'qbusiness' };
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';
// Partitions' DNS suffixes: aws and aws-us-gov (amazonaws.com), aws-cn (amazonaws.com.cn),
// and the dual-stack names (api.aws; api.amazonwebservices.com.cn in China).
const DOMAIN = '(?:amazonaws\\.com|amazonaws\\.com\\.cn|api\\.aws|api\\.amazonwebservices\\.com\\.cn)';
const awsHost = (prefix: string) => new RegExp(`^${prefix}(?:-fips)?\\.${REGION}\\.${DOMAIN}$`);
const AWS_HOSTS: Record<EndpointField, RegExp[]> = {
  stsEndpoint: [/^sts\.amazonaws\.com$/, awsHost(SERVICE.stsEndpoint)], // plus STS's global endpoint
  ssoOidcEndpoint: [awsHost(SERVICE.ssoOidcEndpoint)],
  qbusinessEndpoint: [awsHost(SERVICE.qbusinessEndpoint)],
};

export const ALLOWLIST_SETTING = 'ENDPOINT_ALLOWLIST';

export interface EndpointPolicy {
  /** Why `url` may not be used for `field`; undefined when it may. */
  refusal(field: EndpointField, url: string): string | undefined;
  /** Write time: a validation problem per refused override in `details`. */
  check(details: Partial<Record<string, unknown>>, problems: FieldProblem[]): void;
  /** Use time: throws a 409 problem if any of the tenant's overrides is not allowed (any more). */
  assertUsable(tenantId: string, t: Partial<Record<EndpointField, string | null | undefined>>): void;
  /** The in-process sandbox's origin (development only); returns the withdrawal. */
  allowSandbox(url: string): () => void;
}

/** A URL that is exactly an origin (no path, query, fragment or credentials), normalised; undefined otherwise. */
export function originOf(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const u = new URL(value);
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash || u.pathname !== '/') return undefined;
  return u.origin;
}

export function createEndpointPolicy(opts: { allowlist?: readonly string[]; production: boolean }): EndpointPolicy {
  const listed = new Set((opts.allowlist ?? []).map((o) => originOf(o) ?? o));
  const sandboxes = new Set<string>();

  function refusal(field: EndpointField, url: string): string | undefined {
    const origin = originOf(url);
    const allowed = `AWS's own ${SERVICE[field]} endpoints (https://${SERVICE[field]}.<region>.amazonaws.com and the FIPS, China, GovCloud and dual-stack variants) or an origin listed in ${ALLOWLIST_SETTING}`;
    if (!origin) return `must be an origin like https://host[:port], without path, query or credentials: ${allowed}`;
    if (listed.has(origin) || sandboxes.has(origin)) return undefined;
    const u = new URL(origin);
    if (u.protocol === 'https:' && !u.port && AWS_HOSTS[field].some((re) => re.test(u.hostname))) return undefined;
    return `'${origin}' is not allowed: use ${allowed}`;
  }

  return {
    refusal,
    check(details, problems) {
      for (const field of ENDPOINT_FIELDS) {
        const value = details[field];
        if (typeof value !== 'string' || value === '') continue;
        const why = refusal(field, value);
        if (why) problems.push({ field, message: why });
      }
    },
    assertUsable(tenantId, t) {
      const refused = ENDPOINT_FIELDS.filter((f) => t[f] && refusal(f, t[f]!));
      if (refused.length) {
        throw new AppError(
          'endpoint_not_allowed',
          409,
          `Tenant '${tenantId}' has endpoint overrides that are not allowed: ${refused.join(', ')}. Nothing was sent there. Set them to AWS endpoints, clear them, or list the origin in ${ALLOWLIST_SETTING}.`,
          { detail: { fields: refused } },
        );
      }
    },
    allowSandbox(url) {
      if (opts.production) throw new Error('the AWS sandbox is for development; its endpoints cannot be allowed with NODE_ENV=production');
      const origin = originOf(url);
      if (!origin) throw new Error(`the sandbox URL ${url} is not an origin`);
      sandboxes.add(origin);
      return () => void sandboxes.delete(origin);
    },
  };
}
