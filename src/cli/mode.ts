// Which mode a command runs in. Server mode (--server URL with --client-id and
// TTI_CLIENT_SECRET, or --profile NAME saved by `tti-bridge login`; or TTI_SERVER /
// TTI_PROFILE) calls the running server's admin API. Without them the CLI is in local mode:
// it opens the database itself (bootstrap, migrations, the first admin client).
import { AppError } from '../shared/errors.js';
import { loadProfile, profilesPath } from './profiles.js';
import { createRemote, type Remote } from './remote.js';

export interface GlobalOptions {
  server?: string;
  clientId?: string;
  profile?: string;
  /** Local mode may create a new embedded database. */
  init?: boolean;
}

const usageError = (message: string) => new AppError('usage', 400, message);

export async function resolveRemote(g: GlobalOptions, env: NodeJS.ProcessEnv, fetchImpl?: typeof fetch): Promise<Remote | null> {
  const server = g.server ?? env.TTI_SERVER;
  const profile = g.profile ?? env.TTI_PROFILE;
  if (!server && !profile) return null;
  if (g.server && g.profile) throw usageError('use either --server (with --client-id and TTI_CLIENT_SECRET) or --profile, not both');
  if (profile && !g.server) {
    const p = await loadProfile(profilesPath(env), profile);
    return createRemote({ ...p, fetch: fetchImpl });
  }
  const clientId = g.clientId ?? env.TTI_CLIENT_ID;
  if (!clientId)
    throw usageError('--server needs --client-id <id> (an admin service client), or log in once: tti-bridge login --server <url> --client-id <id>');
  const clientSecret = env.TTI_CLIENT_SECRET;
  if (!clientSecret) throw usageError(`set TTI_CLIENT_SECRET to the secret of client '${clientId}', or log in once (tti-bridge login) and use --profile`);
  return createRemote({ server: server!, clientId, clientSecret, fetch: fetchImpl });
}
