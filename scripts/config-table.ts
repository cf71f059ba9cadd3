// The configuration reference, generated from the settings schema (src/config/schema.ts).
//   tsx scripts/config-table.ts           print the Markdown table
//   tsx scripts/config-table.ts --write   update docs/configuration.md (npm run docs:config)
// test/unit/config-docs.test.ts fails while docs/configuration.md is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { settingsSchema } from '../src/config/schema.js';

export const START = '<!-- settings:start -->';
export const END = '<!-- settings:end -->';
export const DOC_PATH = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

export interface SettingDoc {
  name: string;
  /** The default as given to the schema; undefined when the setting has none (unset). */
  default: unknown;
  hasDefault: boolean;
  description: string;
}

/** Name, default and description of every setting, in schema order. */
export function settingDocs(): SettingDoc[] {
  return Object.entries(settingsSchema.shape).map(([name, schema]) => {
    let s: z.ZodType = schema;
    let hasDefault = false;
    let dflt: unknown;
    // Unwrap the wrappers that carry no type of their own; the outermost default wins.
    for (;;) {
      if (s instanceof z.ZodDefault) {
        if (!hasDefault) {
          hasDefault = true;
          dflt = s.def.defaultValue;
        }
        s = s.def.innerType as z.ZodType;
      } else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
        s = s.def.innerType as z.ZodType;
      } else break;
    }
    const description = schema.description ?? s.description;
    if (!description) throw new Error(`setting ${name} has no .describe() text`);
    return { name, default: dflt, hasDefault, description };
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function formatDefault(d: SettingDoc): string {
  if (!d.hasDefault) return '(unset)';
  const v = typeof d.default === 'string' ? d.default : JSON.stringify(d.default);
  return `\`${cell(v)}\``;
}

/** The generated block, markers excluded. */
export function settingsTable(): string {
  const rows = settingDocs().map((d) => `| \`${d.name}\` | ${formatDefault(d)} | ${cell(d.description)} |`);
  return [
    'Every setting can also be given as `NAME_FILE`: the path of a file holding the value',
    '(Docker and Kubernetes secrets), used when `NAME` itself is unset or empty; surrounding',
    'whitespace is trimmed. Example: `SECRET_KEY_FILE=/run/secrets/secret_key`.',
    '',
    '| Name | Default | Description |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

/** `doc` with the text between the markers replaced by the generated table. */
export function withTable(doc: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/configuration.md must contain ${START} ... ${END}`);
  return `${doc.slice(0, start + START.length)}\n${settingsTable()}\n${doc.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mode = process.argv[2];
  if (mode === '--write') {
    const current = readFileSync(DOC_PATH, 'utf8');
    const next = withTable(current);
    if (next !== current) {
      writeFileSync(DOC_PATH, next);
      process.stdout.write('docs/configuration.md updated\n');
    } else {
      process.stdout.write('docs/configuration.md is up to date\n');
    }
  } else if (mode === undefined) {
    process.stdout.write(`${settingsTable()}\n`);
  } else {
    process.stderr.write('usage: tsx scripts/config-table.ts [--write]\n');
    process.exit(2);
  }
}
