// Request schemas of the broker API. The same zod schemas validate requests and, through
// z.toJSONSchema, describe them in the OpenAPI document, so the two cannot drift.
import { z } from 'zod';
import { validationError } from '../../shared/errors.js';
import type { AttributeFilter, AttributeValue } from '../ports.js';

const isoDate = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time like 2025-01-31T00:00:00Z' });
const attributeName = z.string().regex(/^[a-zA-Z0-9_][a-zA-Z0-9_-]{0,199}$/, 'must be 1-200 letters, digits, _ or -, not starting with -');
// Q Business's model bounds names (200) and strings (2048) but not lists or nesting; ours
// are bounded so one request cannot make validation or the AWS call arbitrarily expensive.
export const MAX_FILTER_DEPTH = 10;
const MAX_FILTER_LIST = 50;
const MAX_STRING_LIST = 500;
const attributeValue = z
  .object({
    stringValue: z.string().max(2048, 'must be at most 2048 characters').optional(),
    stringListValue: z.array(z.string().min(1).max(2048)).max(MAX_STRING_LIST, `must have at most ${MAX_STRING_LIST} values`).optional(),
    longValue: z.int('must be an integer').optional(),
    dateValue: isoDate.optional(),
  })
  .strict()
  .refine((v) => Object.values(v).filter((x) => x !== undefined).length === 1, 'must have exactly one of stringValue, stringListValue, longValue, dateValue');
const attribute = z.object({ name: attributeName, value: attributeValue }).strict();

export const attributeFilterSchema = z
  .object({
    get andAllFilters() {
      return z.array(attributeFilterSchema).max(MAX_FILTER_LIST, `must have at most ${MAX_FILTER_LIST} filters`).optional();
    },
    get orAllFilters() {
      return z.array(attributeFilterSchema).max(MAX_FILTER_LIST, `must have at most ${MAX_FILTER_LIST} filters`).optional();
    },
    get notFilter() {
      return attributeFilterSchema.optional();
    },
    equalsTo: attribute.optional(),
    containsAll: attribute.optional(),
    containsAny: attribute.optional(),
    greaterThan: attribute.optional(),
    greaterThanOrEquals: attribute.optional(),
    lessThan: attribute.optional(),
    lessThanOrEquals: attribute.optional(),
  })
  .strict()
  .meta({
    description: `Q Business attribute filter (same shape as SearchRelevantContent; dateValue as ISO 8601), nested at most ${MAX_FILTER_DEPTH} levels.`,
  });

export const userRefSchema = z
  .object({
    token: z
      .string()
      .min(1, 'must be a non-empty token')
      .max(16384)
      .optional()
      .describe(
        'An ID token or access token this provider issued to the user, or one from a trusted external issuer (an upstream with tokenAudience; RS256/ES256, iss, aud, exp and sub required): proof the user is present.',
      ),
    id: z.string().min(1, 'must be a non-empty user id').max(64).optional().describe("The user's id; accepted only when the tenant allows backend access."),
    email: z
      .email('must be an email address')
      .max(254)
      .optional()
      .describe("The user's email in the tenant; accepted only when the tenant allows backend access."),
  })
  .strict()
  .refine((u) => [u.token, u.id, u.email].filter((v) => v !== undefined).length === 1, 'must have exactly one of token, id or email');

export const searchBodySchema = z
  .object({
    queryText: z.string('must be a string').min(1, 'must not be empty').max(10_000, 'must be at most 10000 characters'),
    user: userRefSchema,
    maxResults: z.int('must be an integer').min(1, 'must be from 1 to 100').max(100, 'must be from 1 to 100').optional(),
    nextToken: z.string().min(1).max(800, 'must be 1-800 characters (the nextToken of the previous page)').optional(),
    attributeFilter: attributeFilterSchema.optional(),
    minConfidence: z
      .enum(['VERY_HIGH', 'HIGH', 'MEDIUM', 'LOW'], 'must be one of VERY_HIGH, HIGH, MEDIUM, LOW')
      .optional()
      .describe('Drop results below this confidence (NOT_AVAILABLE counts as below every level).'),
  })
  .strict();

export const connectBodySchema = z
  .object({
    user: userRefSchema,
    returnUrl: z
      .string('must be a string')
      .min(1)
      .max(2048, 'must be at most 2048 characters')
      .describe(
        "Where the browser goes after the callback, with idc_connect=ok, or idc_connect=error and code=<error code>. https (http only on localhost), on this service's origin or the origin of a redirect URI registered on a web or native client.",
      ),
  })
  .strict();

export const checkBodySchema = z
  .object({
    userId: z.string().min(1).max(64).optional(),
    email: z.email('must be an email address').optional(),
  })
  .strict()
  .refine((b) => (b.userId === undefined) !== (b.email === undefined), 'must have exactly one of userId or email');

export const onboardingLinkBodySchema = z
  .object({
    expiresInSeconds: z
      .int('must be an integer')
      .min(60, 'must be from 60 to 2592000 (30 days)')
      .max(2_592_000, 'must be from 60 to 2592000 (30 days)')
      .optional()
      .describe('How long the link works; default 604800 (7 days).'),
  })
  .strict();

export const auditQuerySchema = z
  .object({
    tenantId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    serviceClientId: z.string().min(1).optional(),
    kind: z.enum(['exchange', 'search', 'check', 'connect_start', 'connect'], 'must be exchange, search, check, connect_start or connect').optional(),
    outcome: z.enum(['success', 'failure'], 'must be success or failure').optional(),
    errorCode: z.string().min(1).optional(),
    since: isoDate.optional(),
    until: isoDate.optional(),
    // Audit ids are BIGINT: a 19-digit number above 2^63 - 1 is no cursor the API ever gave.
    before: z
      .string()
      .regex(/^\d{1,19}$/, 'must be the nextCursor of a previous page')
      .refine((v) => BigInt(v) <= 9_223_372_036_854_775_807n, 'must be the nextCursor of a previous page')
      .optional(),
    limit: z
      .string()
      .regex(/^\d+$/, 'must be an integer from 1 to 500')
      .refine((v) => +v >= 1 && +v <= 500, 'must be an integer from 1 to 500')
      .optional(),
  })
  .strict();

/** Path of the first string (key or value) holding U+0000, which no PostgreSQL text column can store. */
function nulPath(input: unknown): string | null {
  const stack: [unknown, string][] = [[input, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string' && v.includes('\0')) return path;
    if (typeof v !== 'object' || v === null) continue;
    for (const [k, child] of Object.entries(v)) {
      const at = path ? `${path}.${k}` : k;
      if (k.includes('\0')) return at;
      stack.push([child, at]);
    }
  }
  return null;
}

/** Parses or throws validation_failed naming each bad field. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.infer<T> {
  const nul = nulPath(input);
  if (nul !== null) throw validationError([{ field: prefix + (nul || '(body)'), message: 'must not contain NUL (U+0000) characters' }]);
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw validationError(
    r.error.issues.map((i) => ({
      field: prefix + (i.path.length ? i.path.join('.') : '(body)'),
      message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
    })),
  );
}

type FilterIn = z.infer<typeof attributeFilterSchema>;
/** JSON filter → the SDK's shape (dates as Date); refuses filters nested deeper than MAX_FILTER_DEPTH. */
export function toAttributeFilter(f: FilterIn, depth = 1): AttributeFilter {
  if (depth > MAX_FILTER_DEPTH) throw validationError([{ field: 'attributeFilter', message: `must not nest more than ${MAX_FILTER_DEPTH} levels` }]);
  const out: AttributeFilter = {};
  for (const [k, v] of Object.entries(f) as [keyof FilterIn, unknown][]) {
    if (v === undefined) continue;
    if (k === 'andAllFilters' || k === 'orAllFilters') out[k] = (v as FilterIn[]).map((x) => toAttributeFilter(x, depth + 1));
    else if (k === 'notFilter') out.notFilter = toAttributeFilter(v as FilterIn, depth + 1);
    else {
      const a = v as { name: string; value: Omit<AttributeValue, 'dateValue'> & { dateValue?: string } };
      const { dateValue, ...rest } = a.value;
      out[k] = { name: a.name, value: dateValue ? { dateValue: new Date(dateValue) } : rest };
    }
  }
  return out;
}

// Admin API: users, clients, keys. The services validate field contents (email syntax,
// password length, URIs) with messages naming each field; these schemas fix the shapes.
const limitParam = z
  .string()
  .regex(/^\d+$/, 'must be an integer from 1 to 500')
  .refine((v) => +v >= 1 && +v <= 500, 'must be an integer from 1 to 500');

export const userListQuerySchema = z
  .object({
    email: z.string().min(1).max(320).optional().describe('Only users whose email contains this text (case-insensitive).'),
    after: z.string().min(1).max(320).optional().describe('The nextCursor of the previous page.'),
    limit: limitParam.optional(),
  })
  .strict();

export const userCreateSchema = z
  .object({
    email: z.string().max(320),
    name: z.string().max(256).nullable().optional(),
    groups: z.array(z.string().max(256)).max(100).optional(),
    password: z.string().max(1024).optional().describe('Without one, the user cannot log in until a password is set.'),
    emailVerified: z.boolean().optional(),
  })
  .strict();

export const resetPasswordSchema = z
  .object({
    password: z.string().max(1024).optional().describe('The new password; omit it to have one generated and returned once.'),
  })
  .strict();

const uriList = z.array(z.string().max(2048)).max(50, 'must have at most 50 URIs');
const tenantList = z.array(z.string().max(256)).max(1000, 'must have at most 1000 tenants');
const scopeList = z.array(z.enum(['search', 'admin', 'scim'], 'must be search, admin or scim')).max(3);

export const clientCreateSchema = z
  .object({
    name: z.string().max(256),
    kind: z.enum(['web', 'native', 'service', 'data-accessor'], 'must be web, native, service or data-accessor'),
    clientId: z.string().max(128).optional(),
    redirectUris: uriList.optional(),
    postLogoutRedirectUris: uriList.optional(),
    firstParty: z.boolean().optional(),
    allowedTenants: tenantList.optional().describe('Tenants a service client may search for and administer; ["*"] for all.'),
    scopes: scopeList.optional(),
  })
  .strict();

export const clientPatchSchema = z
  .object({
    name: z.string().max(256).optional(),
    allowedTenants: tenantList.optional(),
    scopes: scopeList.optional(),
    redirectUris: uriList.optional(),
    postLogoutRedirectUris: uriList.optional(),
  })
  .strict();

export const rotateSecretSchema = z
  .object({
    overlapSeconds: z
      .int('must be an integer')
      .min(0)
      .max(604_800, 'must be at most 604800 (a week)')
      .default(0)
      .describe('How long the replaced secret keeps working (0 = not at all).'),
  })
  .strict();

export const keyRotateSchema = z
  .object({
    use: z.enum(['sig', 'cookie'], 'must be sig or cookie').default('sig'),
  })
  .strict();
