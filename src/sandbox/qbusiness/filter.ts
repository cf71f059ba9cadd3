// Evaluates a (validated) AttributeFilter against one document's attributes.
// A document without the attribute, or with a value of another type, does not match.
import type { AttributeFilter, AttributeValue, DocumentAttribute } from './attributes.js';

type Attributes = Map<string, AttributeValue>;

export function matches(filter: AttributeFilter, attrs: Attributes): boolean {
  if (filter.andAllFilters) return filter.andAllFilters.every((f) => matches(f, attrs));
  if (filter.orAllFilters) return filter.orAllFilters.some((f) => matches(f, attrs));
  if (filter.notFilter) return !matches(filter.notFilter, attrs);
  if (filter.equalsTo) return compare(filter.equalsTo, attrs, equals);
  if (filter.containsAll) return compare(filter.containsAll, attrs, (d, f) => listOf(f).every((x) => listOf(d).includes(x)));
  if (filter.containsAny) return compare(filter.containsAny, attrs, (d, f) => listOf(f).some((x) => listOf(d).includes(x)));
  if (filter.greaterThan) return ordered(filter.greaterThan, attrs, (c) => c > 0);
  if (filter.greaterThanOrEquals) return ordered(filter.greaterThanOrEquals, attrs, (c) => c >= 0);
  if (filter.lessThan) return ordered(filter.lessThan, attrs, (c) => c < 0);
  if (filter.lessThanOrEquals) return ordered(filter.lessThanOrEquals, attrs, (c) => c <= 0);
  return false;
}

function compare(attr: DocumentAttribute, attrs: Attributes, test: (doc: AttributeValue, filter: AttributeValue) => boolean): boolean {
  const doc = attrs.get(attr.name);
  return doc !== undefined && test(doc, attr.value);
}

function equals(doc: AttributeValue, f: AttributeValue): boolean {
  if (f.stringValue !== undefined) return doc.stringValue === f.stringValue;
  if (f.longValue !== undefined) return doc.longValue === f.longValue;
  if (f.dateValue !== undefined) return doc.dateValue !== undefined && Math.floor(doc.dateValue) === Math.floor(f.dateValue);
  if (f.stringListValue !== undefined) {
    const a = doc.stringListValue;
    return a !== undefined && a.length === f.stringListValue.length && f.stringListValue.every((x) => a.includes(x));
  }
  return false;
}

/** A string attribute counts as a one-element list for containsAll / containsAny. */
function listOf(v: AttributeValue): string[] {
  if (v.stringListValue) return v.stringListValue;
  if (v.stringValue !== undefined) return [v.stringValue];
  return [];
}

function ordered(attr: DocumentAttribute, attrs: Attributes, test: (cmp: number) => boolean): boolean {
  const doc = attrs.get(attr.name);
  if (!doc) return false;
  if (attr.value.longValue !== undefined && doc.longValue !== undefined) return test(doc.longValue - attr.value.longValue);
  if (attr.value.dateValue !== undefined && doc.dateValue !== undefined) return test(doc.dateValue - attr.value.dateValue);
  return false;
}
