// docs/configuration.md's settings table is generated from the schema; fail when stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOC_PATH, END, START, settingDocs, settingsTable, withTable } from '../../scripts/config-table.js';
import { settingNames } from '../../src/config/schema.js';

test('docs/configuration.md lists every setting exactly as the schema describes it', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');
  assert.ok(doc.includes(START) && doc.includes(END), `docs/configuration.md must keep the ${START} / ${END} markers`);
  assert.ok(withTable(doc) === doc, 'docs/configuration.md is out of date: run npm run docs:config');
});

test('the generated table has one row per setting, with its default and description', () => {
  const docs = settingDocs();
  assert.deepEqual(
    docs.map((d) => d.name),
    settingNames,
  );
  const table = settingsTable();
  for (const d of docs) assert.ok(table.includes(`| \`${d.name}\` |`), d.name);
  assert.match(table, /NAME_FILE/);
  const byName = Object.fromEntries(docs.map((d) => [d.name, d]));
  assert.equal(byName.PORT!.default, 3000);
  assert.equal(byName.TRUST_PROXY!.default, false);
  assert.equal(byName.NODE_ENV!.default, 'development');
  assert.equal(byName.SECRET_KEY!.hasDefault, false);
  assert.match(table, /\| `PORT` \| `3000` \| HTTP port of the service\. \|/);
  assert.match(table, /\| `SECRET_KEY` \| \(unset\) \| /);
});

test('withTable replaces only the text between the markers and is idempotent', () => {
  const doc = `# Title\n\nbefore\n\n${START}\nold table\n${END}\n\nafter\n`;
  const once = withTable(doc);
  assert.ok(once.startsWith('# Title\n\nbefore\n\n'));
  assert.ok(once.endsWith(`${END}\n\nafter\n`));
  assert.ok(!once.includes('old table'));
  assert.equal(withTable(once), once);
  assert.throws(() => withTable('# no markers'), /settings:start/);
});
