// tti-bridge keys list|rotate
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { table } from '../format.js';
import type { KeySummary } from '../../idp/keys.js';

const rowOf = (k: KeySummary) => [k.kid, k.use, k.alg, k.state, k.activatesAt, k.retiredAt, k.expiresAt];
const HEADERS = ['KID', 'USE', 'ALG', 'STATE', 'ACTIVATES', 'RETIRES', 'EXPIRES'];

export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('signing and cookie keys');

  act(ctx, leaf(keys, 'list', 'list published keys (no private parts)'), async ({ deps, api }) => {
    const list = api ? (await api.call<{ keys: KeySummary[] }>('GET', '/admin/keys')).keys : await (await deps()).keys().list();
    return { data: list, text: table(HEADERS, list.map(rowOf), '(no keys yet: the server creates them at first start)') };
  });

  act(
    ctx,
    leaf(keys, 'rotate', 'create a new key; it is published now and signs after KEY_ACTIVATION_DELAY').option(
      '--use <use>',
      'sig (ID token signing) or cookie',
      'sig',
    ),
    async ({ deps, api, opts }) => {
      if (opts.use !== 'sig' && opts.use !== 'cookie') throw usageError('--use must be sig or cookie');
      const key = api ? await api.call<KeySummary>('POST', '/admin/keys/rotate', { use: opts.use }) : await (await deps()).keys().rotate(opts.use);
      return { data: key, text: `${table(HEADERS, [rowOf(key)])}\nnew ${key.use} key ${key.kid} activates at ${new Date(key.activatesAt).toISOString()}` };
    },
  );
}
