// docs/broker.md documents exactly the broker's error codes: every code of the typed lists
// has a row, and every row names only codes that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BROKER_API_CODES, SETUP_CHECK_CODES } from '../../src/shared/error-codes.js';

const doc = readFileSync(new URL('../../docs/broker.md', import.meta.url), 'utf8');

/** The codes in the first column of the table that follows `heading` (up to the next heading). */
function documentedCodes(heading: RegExp): string[] {
  const start = doc.search(heading);
  assert.ok(start >= 0, `docs/broker.md has no section matching ${heading}`);
  const rest = doc.slice(start);
  const section = rest.slice(0, rest.slice(1).search(/\n#{1,6} /) + 1 || undefined);
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(rows.length > 0, `no table rows under ${heading}`);
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
}

function assertSameCodes(documented: string[], listed: readonly string[], where: string) {
  const dupes = documented.filter((c, i) => documented.indexOf(c) !== i);
  assert.deepEqual(dupes, [], `${where}: documented twice`);
  assert.deepEqual(
    listed.filter((c) => !documented.includes(c)),
    [],
    `${where}: codes in src/shared/error-codes.ts with no row`,
  );
  assert.deepEqual(
    documented.filter((c) => !listed.includes(c)),
    [],
    `${where}: documented codes that do not exist`,
  );
}

test('the Errors table documents every broker API code, and only those', () => {
  assertSameCodes(documentedCodes(/^## Errors$/m), BROKER_API_CODES, 'docs/broker.md#errors');
});

test('the setup check table documents every pre-check code, and only those', () => {
  assertSameCodes(documentedCodes(/^## Setup check/m), SETUP_CHECK_CODES, 'docs/broker.md#setup-check');
});

test('no code is in two lists with different meanings: the check codes are not API codes', () => {
  for (const c of SETUP_CHECK_CODES) assert.ok(!(BROKER_API_CODES as readonly string[]).includes(c), c);
});
