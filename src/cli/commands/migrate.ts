// tti-bridge migrate: applies pending database migrations and lists the schema's history.
// The server applies them at start too (idempotent, advisory-locked); this is the
// separate step for operators who migrate before rolling out new instances.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, localOnly } from '../action.js';
import { table } from '../format.js';
import { listAppliedMigrations } from '../../db/migrate.js';

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  act(ctx, leaf(program, 'migrate', 'apply pending database migrations and list the applied ones'), async ({ deps, api }) => {
    localOnly(api, 'migrate');
    // Opening the dependencies migrates (as the server does at start) and tells what it applied.
    const { database, appliedMigrations: applied } = await deps();
    const migrations = (await listAppliedMigrations(database)).map((m) => ({ name: m.name, appliedAt: m.appliedAt.toISOString() }));
    const headline = applied.length
      ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
      : `database schema is up to date (${migrations.length} migration(s) applied)`;
    return {
      data: { applied, migrations },
      text: `${headline}\n\n${table(
        ['MIGRATION', 'APPLIED AT'],
        migrations.map((m) => [m.name, m.appliedAt]),
      )}`,
    };
  });
}
