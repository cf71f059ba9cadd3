#!/usr/bin/env node
// Writes a new migration: the SQL diff between prisma/schema.prisma as last committed and
// the working copy. (`prisma migrate dev` needs a shadow database that the offline setup
// cannot drop; a schema-to-schema diff needs no database at all.)
// Usage: npm run db:diff -- <name>
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:diff -- <name>   (lower-case letters, digits and _)');
  process.exit(2);
}
const old = join(mkdtempSync(join(tmpdir(), 'ttib-')), 'schema.prisma');
writeFileSync(old, execFileSync('git', ['show', 'HEAD:prisma/schema.prisma']));
const sql = execFileSync('npx', ['prisma', 'migrate', 'diff', '--from-schema-datamodel', old, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
  encoding: 'utf8',
});
if (!sql.trim() || /empty migration/i.test(sql)) {
  console.error('prisma/schema.prisma has no changes since the last commit');
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join('prisma', 'migrations', `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'migration.sql'), sql);
console.log(`wrote ${dir}/migration.sql`);
