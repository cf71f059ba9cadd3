// Validates a whole import before anything is written, so the operator gets every
// problem with its row number in one go.
import { AppError, type FieldProblem } from '../shared/errors.js';
import type { ImportRecord } from './types.js';
import { parseHash } from './hash-formats.js';
import { checkEmail, checkGroups, checkName, checkPassword, normalizeEmail } from './validate.js';

/** An imported hash must be one we can verify (never echoed back: it is a secret). */
function checkHash(r: ImportRecord, problems: FieldProblem[], prefix: string): void {
  const field = `${prefix}.password_hash`;
  if (typeof r.passwordHash !== 'string' || r.passwordHash.trim() === '') return void problems.push({ field, message: 'must be a non-empty string' });
  if (r.password) return void problems.push({ field, message: 'give either password or password_hash, not both' });
  const parsed = parseHash(r.passwordHash);
  if ('error' in parsed) problems.push({ field, message: parsed.error });
}

function checkRow(r: ImportRecord, row: number, seen: Map<string, number>, existing: Set<string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const prefix = `row ${row}`;
  if (typeof r !== 'object' || r === null) return [{ field: prefix, message: 'must be an object with an email' }];
  checkEmail(r.email, problems, `${prefix}.email`);
  if (r.password !== undefined && r.password !== '') checkPassword(r.password, problems, `${prefix}.password`);
  if (r.passwordHash !== undefined) checkHash(r, problems, prefix);
  checkName(r.name, problems, `${prefix}.name`);
  checkGroups(r.groups, problems, `${prefix}.groups`);
  if (typeof r.email === 'string' && !problems.some((p) => p.field === `${prefix}.email`)) {
    const email = normalizeEmail(r.email);
    const first = seen.get(email);
    if (first !== undefined) problems.push({ field: `${prefix}.email`, message: `duplicates row ${first}` });
    else seen.set(email, row);
    if (existing.has(email)) problems.push({ field: `${prefix}.email`, message: 'a user with this email already exists' });
  }
  return problems;
}

/** Throws `import_invalid` unless `records` is a non-empty list (checked before anything is queried). */
export function checkImportList(records: unknown): asserts records is unknown[] {
  if (!Array.isArray(records) || records.length === 0) {
    throw new AppError('import_invalid', 400, 'the import contains no users');
  }
}

/** Throws `import_invalid` listing every row problem; returns when the import may proceed. */
export function checkImport(records: ImportRecord[], existing: Set<string>): void {
  checkImportList(records);
  const seen = new Map<string, number>();
  const problems = records.flatMap((r, i) => checkRow(r, r?.row ?? i + 1, seen, existing));
  if (problems.length === 0) return;
  const rows = new Set(problems.map((p) => p.field.split('.')[0]));
  throw new AppError(
    'import_invalid',
    400,
    `${rows.size} row(s) have problems; nothing was imported: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    { fields: problems },
  );
}
