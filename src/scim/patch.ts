// PATCH (RFC 7644 §3.5.2) with scim-patch, behind checks of our own: scim-patch walks paths
// into plain objects, so a path or value key like `__proto__` would reach Object.prototype
// (shown by test/scim/scim.test.ts); such requests are refused before it runs. The result is
// read back through the same validation as a PUT (resources.ts), so a PATCH can store nothing
// a PUT could not.
import { scimPatch, ScimError as PatchError, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { scimErrors, ScimError, type ScimType } from './errors.js';
import { attr, isObject, PATCH_SCHEMA, type Json } from './resources.js';

const MAX_OPERATIONS = 1000;
const FORBIDDEN = /(^|[.[\]\s"':])(__proto__|constructor|prototype)($|[.[\]\s"':])/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function checkKeys(value: unknown, depth = 0): void {
  if (depth > 8) throw scimErrors.invalidValue('PATCH values nest too deep.');
  if (Array.isArray(value)) for (const v of value) checkKeys(v, depth + 1);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(k) || FORBIDDEN.test(k)) throw scimErrors.invalidPath(`'${k}' is not an attribute.`);
      checkKeys(v, depth + 1);
    }
  }
}

/** The operations of a PatchOp request, checked: op names lower-cased, no prototype paths. */
export function readPatch(body: unknown): ScimPatchOperation[] {
  if (!isObject(body)) throw scimErrors.invalidSyntax('The request body must be a JSON object.');
  const schemas = attr(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_SCHEMA)) throw scimErrors.invalidSyntax(`"schemas" must be ["${PATCH_SCHEMA}"].`);
  const ops = attr(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0) throw scimErrors.invalidSyntax('"Operations" must be a non-empty list.');
  if (ops.length > MAX_OPERATIONS) throw new ScimError(400, `At most ${MAX_OPERATIONS} operations per request.`, 'tooMany');
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw scimErrors.invalidSyntax(`Operations[${i}] must be an object.`);
    const op = attr(raw, 'op');
    const path = attr(raw, 'path');
    const value = attr(raw, 'value');
    if (typeof op !== 'string' || !/^(add|remove|replace)$/i.test(op)) throw scimErrors.invalidSyntax(`Operations[${i}].op must be add, remove or replace.`);
    if (path !== undefined && (typeof path !== 'string' || path.length > 512 || FORBIDDEN.test(path)))
      throw scimErrors.invalidPath(`Operations[${i}].path is not a valid attribute path.`);
    const lower = op.toLowerCase() as 'add' | 'remove' | 'replace';
    if (lower === 'remove' && path === undefined) throw new ScimError(400, `Operations[${i}]: remove needs a path.`, 'noTarget');
    if (lower !== 'remove' && value === undefined) throw scimErrors.invalidValue(`Operations[${i}]: ${lower} needs a value.`);
    if (lower !== 'remove' && path === undefined && !isObject(value))
      throw scimErrors.invalidValue(`Operations[${i}]: ${lower} without a path needs an object of attributes as its value.`);
    checkKeys(value);
    return {
      op: lower,
      ...(path !== undefined ? { path: stripCoreSchema(path as string) } : {}),
      ...(value !== undefined ? { value } : {}),
    } as ScimPatchOperation;
  });
}

// "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName" → "name.givenName"
const stripCoreSchema = (path: string) => path.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '');

/**
 * Applies the operations to a copy of the resource; scim-patch's refusals become SCIM 400s.
 * So does anything else it throws (a path into a string, `name.givenName.x`, ends in a
 * TypeError there): it works on a copy of our own document, so only the request can be at fault.
 */
export function applyPatch(resource: Json, ops: ScimPatchOperation[]): Json {
  try {
    const meta = { created: new Date(0), lastModified: new Date(0) };
    const doc = { ...resource, meta } as unknown as ScimResource;
    const { meta: _meta, ...patched } = scimPatch(doc, ops, { mutateDocument: false, treatMissingAsAdd: true }) as unknown as Json;
    return patched;
  } catch (err) {
    if (err instanceof PatchError) {
      const scimType = (err.scimCode ?? 'invalidValue') as ScimType;
      throw new ScimError(400, `The PATCH cannot be applied: ${err.message}`, scimType);
    }
    throw scimErrors.invalidPath(`The PATCH cannot be applied: ${(err as Error)?.message ?? 'invalid path'}.`);
  }
}
