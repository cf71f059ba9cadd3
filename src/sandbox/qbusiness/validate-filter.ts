// Structural validation of an AttributeFilter against the model: one operator per node,
// a well-formed DocumentAttribute, and a value type the operator supports.
import { LEAF_OPERATORS, LOGICAL_OPERATORS, kindOf, type AttributeValue, type LeafOperator, type ValueKind } from './attributes.js';

export interface FieldProblem {
  name: string;
  message: string;
}

const NAME_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9_-]*$/;
const KNOWN = new Set<string>([...LOGICAL_OPERATORS, ...LEAF_OPERATORS]);
const MAX_DEPTH = 8;

// Which value types each operator applies to (Q Business API reference, AttributeFilter).
const SUPPORTED: Record<LeafOperator, ValueKind[]> = {
  equalsTo: ['stringValue', 'stringListValue', 'longValue', 'dateValue'],
  containsAll: ['stringListValue'],
  containsAny: ['stringListValue'],
  greaterThan: ['longValue', 'dateValue'],
  greaterThanOrEquals: ['longValue', 'dateValue'],
  lessThan: ['longValue', 'dateValue'],
  lessThanOrEquals: ['longValue', 'dateValue'],
};

export function validateFilter(filter: unknown, path: string, depth = 0): FieldProblem[] {
  if (!isObject(filter)) return [{ name: path, message: 'must be an AttributeFilter object' }];
  if (depth > MAX_DEPTH) return [{ name: path, message: `filters may be nested at most ${MAX_DEPTH} levels deep` }];
  const keys = Object.keys(filter).filter((k) => filter[k] !== undefined && filter[k] !== null);
  const unknown = keys.filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) return [{ name: `${path}.${unknown[0]}`, message: 'is not an AttributeFilter member' }];
  if (keys.length !== 1) {
    return [{ name: path, message: `must set exactly one operator, found ${keys.length === 0 ? 'none' : keys.join(', ')}` }];
  }
  const op = keys[0] as string;
  const value = filter[op];
  if (op === 'andAllFilters' || op === 'orAllFilters') {
    if (!Array.isArray(value) || value.length === 0) return [{ name: `${path}.${op}`, message: 'must be a non-empty list of filters' }];
    return value.flatMap((f, i) => validateFilter(f, `${path}.${op}[${i}]`, depth + 1));
  }
  if (op === 'notFilter') return validateFilter(value, `${path}.notFilter`, depth + 1);
  return validateLeaf(op as LeafOperator, value, `${path}.${op}`);
}

function validateLeaf(op: LeafOperator, attribute: unknown, path: string): FieldProblem[] {
  if (!isObject(attribute)) return [{ name: path, message: 'must be a DocumentAttribute {name, value}' }];
  const { name, value } = attribute;
  if (typeof name !== 'string' || name.length < 1 || name.length > 200 || !NAME_PATTERN.test(name)) {
    return [{ name: `${path}.name`, message: 'must be 1-200 characters matching [a-zA-Z0-9_][a-zA-Z0-9_-]*' }];
  }
  const valueProblem = validateValue(value, `${path}.value`);
  if (valueProblem) return [valueProblem];
  const kind = kindOf(value as AttributeValue) as ValueKind;
  if (!SUPPORTED[op].includes(kind)) {
    return [{ name: `${path}.value`, message: `${op} does not support ${kind}; it supports ${SUPPORTED[op].join(', ')}` }];
  }
  return [];
}

function validateValue(value: unknown, path: string): FieldProblem | undefined {
  if (!isObject(value)) return { name: path, message: 'must be a DocumentAttributeValue' };
  const set = Object.keys(value).filter((k) => value[k] !== undefined && value[k] !== null);
  if (set.length !== 1) return { name: path, message: 'must set exactly one of stringValue, stringListValue, longValue, dateValue' };
  const [kind] = set;
  const v = value[kind as string];
  switch (kind) {
    case 'stringValue':
      return typeof v === 'string' && v.length <= 2048 ? undefined : { name: `${path}.stringValue`, message: 'must be a string of at most 2048 characters' };
    case 'stringListValue':
      return Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length >= 1 && s.length <= 2048)
        ? undefined
        : { name: `${path}.stringListValue`, message: 'must be a list of strings of 1-2048 characters' };
    case 'longValue':
      return Number.isInteger(v) ? undefined : { name: `${path}.longValue`, message: 'must be an integer' };
    case 'dateValue':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : { name: `${path}.dateValue`, message: 'must be a timestamp' };
    default:
      return { name: `${path}.${kind}`, message: 'is not a DocumentAttributeValue member' };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
