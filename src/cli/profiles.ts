// Saved server profiles: ~/.config/tti-bridge/profiles.json (or $XDG_CONFIG_HOME), written
// 0600 in a 0700 directory because it holds client secrets. A profile whose file others can
// read is refused, as ssh does with a private key.
import { chmod, mkdir, readFile, stat, writeFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppError } from '../shared/errors.js';

export interface Profile {
  server: string;
  clientId: string;
  clientSecret: string;
}

interface ProfileFile {
  profiles: Record<string, Profile>;
}

export function profilesPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'tti-bridge', 'profiles.json');
}

async function readProfiles(path: string): Promise<ProfileFile> {
  let text: string;
  try {
    const st = await stat(path);
    if (st.mode & 0o077) throw new AppError('profile_insecure', 400, `${path} is readable by other users; run chmod 600 ${path}`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as ProfileFile;
    return { profiles: parsed.profiles ?? {} };
  } catch {
    throw new AppError('profile_unreadable', 400, `${path} is not valid JSON; fix or delete it and log in again`);
  }
}

export async function loadProfile(path: string, name: string): Promise<Profile> {
  const p = (await readProfiles(path)).profiles[name];
  if (!p)
    throw new AppError(
      'profile_not_found',
      400,
      `no profile '${name}' in ${path}: save one with tti-bridge login --server <url> --client-id <id> --profile ${name}`,
    );
  return p;
}

export async function saveProfile(path: string, name: string, profile: Profile): Promise<void> {
  const file = await readProfiles(path);
  file.profiles[name] = profile;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
