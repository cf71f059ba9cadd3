// Q Business document attributes and attribute filters in their wire (restJson1) form.
// `dateValue` travels as epoch seconds (a JSON number) because the model gives it no format trait.
import type { FixtureAttributeValue } from '../fixture/types.js';

export interface AttributeValue {
  stringValue?: string;
  stringListValue?: string[];
  longValue?: number;
  dateValue?: number;
}

export interface DocumentAttribute {
  name: string;
  value: AttributeValue;
}

export interface AttributeFilter {
  andAllFilters?: AttributeFilter[];
  orAllFilters?: AttributeFilter[];
  notFilter?: AttributeFilter;
  equalsTo?: DocumentAttribute;
  containsAll?: DocumentAttribute;
  containsAny?: DocumentAttribute;
  greaterThan?: DocumentAttribute;
  greaterThanOrEquals?: DocumentAttribute;
  lessThan?: DocumentAttribute;
  lessThanOrEquals?: DocumentAttribute;
}

export const LOGICAL_OPERATORS = ['andAllFilters', 'orAllFilters', 'notFilter'] as const;
export const LEAF_OPERATORS = ['equalsTo', 'containsAll', 'containsAny', 'greaterThan', 'greaterThanOrEquals', 'lessThan', 'lessThanOrEquals'] as const;
export type LeafOperator = (typeof LEAF_OPERATORS)[number];

/** Fixture value → wire value: lists are string lists, integers longs, `{date}` dates. */
export function fromFixtureValue(value: FixtureAttributeValue, where: string): AttributeValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { longValue: value };
  if (Array.isArray(value)) return { stringListValue: value };
  const ms = Date.parse(value.date);
  if (Number.isNaN(ms)) throw new Error(`${where}: '${value.date}' is not a date`);
  return { dateValue: Math.floor(ms / 1000) };
}

export type ValueKind = 'stringValue' | 'stringListValue' | 'longValue' | 'dateValue';

export function kindOf(value: AttributeValue): ValueKind | undefined {
  if (value.stringValue !== undefined) return 'stringValue';
  if (value.stringListValue !== undefined) return 'stringListValue';
  if (value.longValue !== undefined) return 'longValue';
  if (value.dateValue !== undefined) return 'dateValue';
  return undefined;
}
