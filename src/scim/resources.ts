// SCIM resources (RFC 7643) as tti-bridge stores them: reading a client's User or Group
// document into the columns we keep, and writing rows back as SCIM JSON. Attribute names
// are case-insensitive (RFC 7643 §2.1); attributes we do not keep are ignored, except the
// ones whose loss would surprise (see docs/scim.md): a password is hashed, never dropped,
// and an email other than userName is refused.
import { checkEmail, checkPassword, normalizeEmail } from '../accounts/validate.js';
import type { FieldProblem } from '../shared/errors.js';
import type { GroupMember, ScimGroupRow } from '../db/scim-groups.js';
import type { ScimUserRow } from '../db/scim-users.js';
import { scimErrors } from './errors.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type Json = Record<string, unknown>;

export interface UserInput {
  email: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  /** Absent: unchanged on replace (a PUT that forgot `active` must not re-enable a user), true on create. */
  active?: boolean;
  /** Plain text, hashed with the service's argon2id parameters before it is stored. */
  password?: string;
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
  /** User ids; absent: unchanged on replace, none on create. */
  members?: string[];
}

const MAX_TEXT = 256;
/** C0 controls and DEL: never part of a name or id, and PostgreSQL refuses NUL in text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_MEMBERS = 10_000;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value of `name` in `obj`, matched case-insensitively. */
export function attr(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function text(obj: Json, name: string, problems: FieldProblem[], field = name): string | null {
  const v = attr(obj, name);
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.length > MAX_TEXT || CONTROL.test(v)) {
    problems.push({ field, message: `must be a string of at most ${MAX_TEXT} characters, without control characters` });
    return null;
  }
  return v.trim() || null;
}

/** Booleans; also "True"/"False", which Entra ID sends in PATCH values. */
function bool(obj: Json, name: string, problems: FieldProblem[]): boolean | undefined {
  const v = attr(obj, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  problems.push({ field: name, message: 'must be true or false' });
  return undefined;
}

function requireSchema(body: unknown, schema: string): Json {
  if (!isObject(body)) throw scimErrors.invalidSyntax('The request body must be a JSON object.');
  const schemas = attr(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === schema.toLowerCase())) {
    throw scimErrors.invalidSyntax(`"schemas" must list "${schema}".`);
  }
  return body;
}

const fail = (problems: FieldProblem[]) => {
  if (problems.length) throw scimErrors.invalidValue(problems.map((p) => `${p.field} ${p.message}`).join('; '));
};

export function readUserInput(body: unknown): UserInput {
  const doc = requireSchema(body, USER_SCHEMA);
  const problems: FieldProblem[] = [];
  const userName = attr(doc, 'userName');
  checkEmail(userName, problems, 'userName');
  if (typeof userName === 'string' && CONTROL.test(userName)) problems.push({ field: 'userName', message: 'must not contain control characters' });
  if (problems.length) {
    problems[0]!.message += ' (tti-bridge identifies a user by the email Identity Center maps: send it as userName)';
    fail(problems);
  }
  const email = normalizeEmail(userName as string);
  const emails = attr(doc, 'emails');
  if (emails !== undefined && emails !== null) {
    if (!Array.isArray(emails) || !emails.every(isObject)) problems.push({ field: 'emails', message: 'must be a list of {value} objects' });
    else {
      for (const e of emails) {
        const v = attr(e, 'value');
        if (typeof v !== 'string' || normalizeEmail(v) !== email) {
          problems.push({
            field: 'emails',
            message: `holds '${String(v).slice(0, 100)}', which is not userName: tti-bridge keeps one email per user (userName); map the same directory attribute to both, or do not send emails`,
          });
        }
      }
    }
  }
  const nameObj = attr(doc, 'name');
  if (nameObj !== undefined && nameObj !== null && !isObject(nameObj)) problems.push({ field: 'name', message: 'must be an object' });
  const n: Json = isObject(nameObj) ? nameObj : {};
  const formatted = text(n, 'formatted', problems, 'name.formatted');
  const givenName = text(n, 'givenName', problems, 'name.givenName');
  const familyName = text(n, 'familyName', problems, 'name.familyName');
  const displayName = text(doc, 'displayName', problems);
  const externalId = text(doc, 'externalId', problems);
  const active = bool(doc, 'active', problems);
  const password = attr(doc, 'password');
  if (password !== undefined) checkPassword(password, problems);
  fail(problems);
  const joined = [givenName, familyName].filter(Boolean).join(' ') || null;
  return {
    email,
    name: formatted ?? displayName ?? joined,
    givenName,
    familyName,
    externalId,
    active,
    ...(password !== undefined ? { password: password as string } : {}),
  };
}

export function readGroupInput(body: unknown): GroupInput {
  const doc = requireSchema(body, GROUP_SCHEMA);
  const problems: FieldProblem[] = [];
  const displayName = text(doc, 'displayName', problems);
  if (!displayName && !problems.length) problems.push({ field: 'displayName', message: 'is required' });
  const externalId = text(doc, 'externalId', problems);
  const raw = attr(doc, 'members');
  let members: string[] | undefined;
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw) || !raw.every((m) => isObject(m) && typeof attr(m, 'value') === 'string')) {
      problems.push({ field: 'members', message: 'must be a list of {"value": "<user id>"} objects' });
    } else if (raw.length > MAX_MEMBERS) {
      problems.push({ field: 'members', message: `at most ${MAX_MEMBERS} per request; add more with PATCH` });
    } else members = [...new Set(raw.map((m) => attr(m as Json, 'value') as string))];
  }
  fail(problems);
  return { displayName: displayName!, externalId, ...(members ? { members } : {}) };
}

const dropNulls = (o: Json) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export function userResource(u: ScimUserRow, groups: ScimGroupRow[], base: string): Json {
  const location = `${base}/Users/${u.id}`;
  return dropNulls({
    schemas: [USER_SCHEMA],
    id: u.id,
    externalId: u.externalId,
    userName: u.email,
    name: u.name || u.givenName || u.familyName ? dropNulls({ formatted: u.name, givenName: u.givenName, familyName: u.familyName }) : null,
    displayName: u.name,
    emails: [{ value: u.email, type: 'work', primary: true }],
    active: !u.disabled,
    groups: groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${base}/Groups/${g.id}`, type: 'direct' })),
    meta: { resourceType: 'User', created: u.createdAt.toISOString(), lastModified: u.updatedAt.toISOString(), location },
  });
}

export function groupResource(g: ScimGroupRow, members: GroupMember[], base: string): Json {
  return dropNulls({
    schemas: [GROUP_SCHEMA],
    id: g.id,
    externalId: g.externalId,
    displayName: g.displayName,
    members: members.map((m) => ({ value: m.id, display: m.email, $ref: `${base}/Users/${m.id}`, type: 'User' })),
    meta: { resourceType: 'Group', created: g.createdAt.toISOString(), lastModified: g.updatedAt.toISOString(), location: `${base}/Groups/${g.id}` },
  });
}

/**
 * The `attributes` / `excludedAttributes` query parameters (RFC 7644 §3.4.2.5), on top-level
 * attributes: `schemas` and `id` are always returned.
 */
export function project(resource: Json, attributes?: string[], excluded?: string[]): Json {
  const always = new Set(['schemas', 'id']);
  const top = (a: string) =>
    a
      .replace(/^urn:[^ ]*:/i, '')
      .split('.')[0]!
      .toLowerCase();
  if (attributes?.length) {
    const keep = new Set(attributes.map(top));
    return Object.fromEntries(Object.entries(resource).filter(([k]) => always.has(k) || keep.has(k.toLowerCase())));
  }
  if (excluded?.length) {
    const drop = new Set(excluded.map(top));
    return Object.fromEntries(Object.entries(resource).filter(([k]) => always.has(k) || !drop.has(k.toLowerCase())));
  }
  return resource;
}
