// tti-bridge migrate: applies pending database migrations and lists the schema's history.
// The server applies them at start too (idempotent, advisory-locked); this is the
// separate step for operators who migrate before rolling out new instances.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, localOnly } from '../action.js';
import { table } from '../format.js';

interface MigrationRow {
  migration_name: string;
  finished_at: Date;
}

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  act(ctx, leaf(program, 'migrate', 'apply pending database migrations and list the applied ones'),
  async ({ deps, api }) => {
    localOnly(api, 'migrate');
    // Opening the dependencies migrates (as the server does at start) and tells what it applied.
    const { db, appliedMigrations: applied } = await deps();
    const rows = await db.$queryRaw<MigrationRow[]>`
      SELECT migration_name, finished_at FROM "_prisma_migrations"
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`;
    const migrations = rows.map((r) => ({ name: r.migration_name, appliedAt: r.finished_at.toISOString() }));
    const headline = applied.length
      ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
      : `database schema is up to date (${migrations.length} migration(s) applied)`;
    return {
      data: { applied, migrations },
      text: `${headline}\n\n${table(['MIGRATION', 'APPLIED AT'], migrations.map((m) => [m.name, m.appliedAt]))}`,
    };
  });
}
