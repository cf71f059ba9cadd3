// tti-bridge migrate: applies pending database migrations and lists the schema's history.
// The server applies them at start too (idempotent, advisory-locked); this is the
// separate step for operators who migrate before rolling out new instances.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf } from '../action.js';
import { table } from '../format.js';
import { applyMigrations } from '../../db/migrate.js';

interface MigrationRow {
  migration_name: string;
  finished_at: Date;
}

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  act(ctx, leaf(program, 'migrate', 'apply pending database migrations and list the applied ones'),
  async ({ deps }) => {
    const startedAt = new Date();
    // Opening the dependencies already migrates (as the server does at start), so what
    // this run applied is told by the finish times recorded since it started.
    const { config, db } = await deps();
    if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
    const appliedHere = await applyMigrations(config.DATABASE_URL);
    const rows = await db.$queryRaw<MigrationRow[]>`
      SELECT migration_name, finished_at FROM "_prisma_migrations"
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`;
    const applied = [...new Set([
      ...rows.filter((r) => r.finished_at.getTime() >= startedAt.getTime() - 1000).map((r) => r.migration_name),
      ...appliedHere,
    ])];
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
