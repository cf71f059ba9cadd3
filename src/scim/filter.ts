// SCIM filters (RFC 7644 §3.4.2.2) → SQL. scim2-parse-filter parses the text; this module
// turns the parts we support into a Kysely condition, so a directory's
// `userName eq "x"` is one indexed lookup rather than a scan of the tenant's users.
// Anything else is refused with 400 invalidFilter naming what is supported: a filter that
// were silently ignored would answer "no such user" and make the client create a duplicate.
import { parse, type Filter } from 'scim2-parse-filter';
import type { Expression, SqlBool } from 'kysely';
import { scimErrors } from './errors.js';

export type CompValue = boolean | null | number | string;

/** One attribute that may be compared with `eq`: builds the condition for a value. */
export type EqCondition<EB> = (eb: EB, value: CompValue) => Expression<SqlBool>;

export interface FilterSpec<EB> {
  /** The resource's core schema URN: attribute paths may be prefixed with it. */
  schema: string;
  /** Lower-cased attribute path (e.g. `username`, `emails.value`) → its `eq` condition. */
  eq: Record<string, EqCondition<EB>>;
}

const MAX_FILTER_LENGTH = 2048;
/** and/or/[] nesting deeper than this is refused (the parser recurses; real filters are shallow). */
const MAX_DEPTH = 16;

export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw scimErrors.invalidFilter(`longer than ${MAX_FILTER_LENGTH} characters`);
  if (/[([]/.test(text) && (text.match(/[([]/g)?.length ?? 0) > MAX_DEPTH) throw scimErrors.invalidFilter(`nested deeper than ${MAX_DEPTH} levels`);
  try {
    return parse(text);
  } catch (err) {
    throw scimErrors.invalidFilter(`cannot parse ${JSON.stringify(text.slice(0, 200))} (${(err as Error).message})`);
  }
}

/** A condition for `filter`, or a 400 invalidFilter for anything outside `spec`. */
export function compileFilter<EB extends { and(c: Expression<SqlBool>[]): Expression<SqlBool>; or(c: Expression<SqlBool>[]): Expression<SqlBool> }>(
  filter: Filter,
  spec: FilterSpec<EB>,
): (eb: EB) => Expression<SqlBool> {
  const supported = `supported: ${Object.keys(spec.eq)
    .map((a) => `${a} eq "…"`)
    .join(', ')}, combined with and/or`;
  const attr = (path: string) => {
    const p = path.toLowerCase();
    const prefix = `${spec.schema.toLowerCase()}:`;
    return p.startsWith(prefix) ? p.slice(prefix.length) : p;
  };
  function build(f: Filter, prefix: string): (eb: EB) => Expression<SqlBool> {
    switch (f.op) {
      case 'and':
      case 'or': {
        const parts = (f as { filters: Filter[] }).filters.map((x) => build(x, prefix));
        return (eb) => (f.op === 'and' ? eb.and(parts.map((p) => p(eb))) : eb.or(parts.map((p) => p(eb))));
      }
      case '[]': {
        // emails[value eq "x"] is emails.value eq "x" (only simple comparisons inside).
        const vp = f as { attrPath: string; valFilter: Filter };
        if (prefix) throw scimErrors.invalidFilter('nested value filters are not supported');
        return build(vp.valFilter, `${attr(vp.attrPath)}.`);
      }
      case 'eq': {
        const c = f as { attrPath: string; compValue: CompValue };
        const path = prefix + attr(c.attrPath);
        const cond = spec.eq[path];
        if (!cond) throw scimErrors.invalidFilter(`'${c.attrPath}' cannot be filtered on (${supported})`);
        if (typeof c.compValue === 'string' && c.compValue.includes('\u0000')) throw scimErrors.invalidFilter('values cannot contain NUL');
        return (eb) => cond(eb, c.compValue);
      }
      default:
        throw scimErrors.invalidFilter(`the operator '${f.op}' is not supported (${supported})`);
    }
  }
  return build(filter, '');
}
