// Reads user import files. CSV follows RFC 4180 (quoted fields may hold commas, quotes
// doubled inside quotes, and line breaks); JSON is an array of objects. Row numbers are
// what the author sees: the CSV line a record starts on (the header is line 1), or the
// 1-based position in the JSON array.
import { AppError, type FieldProblem } from '../shared/errors.js';
import type { ImportRecord } from './types.js';

export type ImportFormat = 'csv' | 'json';
const COLUMNS = ['email', 'name', 'groups', 'password', 'password_hash'] as const;

const invalid = (message: string, fields: FieldProblem[] = []) =>
  new AppError('import_invalid', 400, fields.length ? `${message}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}` : message, { fields });

export const splitGroups = (s: string) =>
  s
    .split(/[;|]/)
    .map((g) => g.trim())
    .filter(Boolean);

/** Splits CSV text into records of fields, each with the line it starts on. */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const src = text.replace(/^\uFEFF/, '');
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0]!.trim() !== '') rows.push({ line: start, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\n') line++;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') field += src[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && src[i + 1] === '\n')) {
      if (c === '\r') continue; // the \n that follows ends the row
      endRow();
      start = line;
    } else field += c;
  }
  if (quoted) throw invalid(`line ${start}: a quoted field is not closed`);
  endRow();
  return rows;
}

export function parseUsersCsv(text: string): ImportRecord[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw invalid('the file is empty; expected a header row: email,name,groups,password (or password_hash)');
  const columns = header.fields.map((h) => h.trim().toLowerCase());
  const unknown = columns.filter((c) => !(COLUMNS as readonly string[]).includes(c));
  if (unknown.length || !columns.includes('email')) {
    throw invalid(`the header must name columns from ${COLUMNS.join(',')} including email (found: ${columns.join(',')})`);
  }
  const problems: FieldProblem[] = [];
  const records = rows.map(({ line, fields }) => {
    if (fields.length > columns.length) problems.push({ field: `row ${line}`, message: `has ${fields.length} fields, the header has ${columns.length}` });
    const get = (col: string) => fields[columns.indexOf(col)]?.trim() ?? '';
    const record: ImportRecord = { row: line, email: get('email') };
    if (get('name')) record.name = get('name');
    if (get('groups')) record.groups = splitGroups(get('groups'));
    // Passwords are taken verbatim: leading or trailing spaces may be intended.
    const pw = fields[columns.indexOf('password')];
    if (columns.includes('password') && pw) record.password = pw;
    if (get('password_hash')) record.passwordHash = get('password_hash');
    return record;
  });
  if (problems.length) throw invalid('the file has malformed rows; nothing was imported', problems);
  return records;
}

function jsonRecord(item: unknown, row: number, problems: FieldProblem[]): ImportRecord {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    problems.push({ field: `row ${row}`, message: 'must be an object like {"email": "..."}' });
    return { row, email: '' };
  }
  const o = item as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(COLUMNS as readonly string[]).includes(key)) problems.push({ field: `row ${row}.${key}`, message: 'is not a user field' });
  }
  const groups = typeof o.groups === 'string' ? splitGroups(o.groups) : o.groups;
  const record: ImportRecord = {
    row,
    email: o.email as string,
    name: o.name as string | undefined,
    groups: groups as string[] | undefined,
    password: o.password as string | undefined,
  };
  if (o.password_hash !== undefined) record.passwordHash = o.password_hash as string;
  return record;
}

export function parseUsersJson(text: string): ImportRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw invalid(`the file is not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw invalid('the JSON file must contain an array of users');
  const problems: FieldProblem[] = [];
  const records = data.map((item, i) => jsonRecord(item, i + 1, problems));
  if (problems.length) throw invalid('the file has malformed rows; nothing was imported', problems);
  return records;
}

/** By extension, else by content: JSON starts with `[`. */
export function detectFormat(filename: string, text: string): ImportFormat {
  if (/\.json$/i.test(filename)) return 'json';
  if (/\.csv$/i.test(filename)) return 'csv';
  return text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('[')
    ? 'json'
    : 'csv';
}

export function parseUserFile(filename: string, text: string, format = detectFormat(filename, text)): ImportRecord[] {
  return format === 'json' ? parseUsersJson(text) : parseUsersCsv(text);
}
