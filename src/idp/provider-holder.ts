// Keeps the current Provider instance and rebuilds it when the key set changes, so a
// rotation made by any instance (or a pending key reaching its activation time) is
// picked up by every instance within KEY_REFRESH_INTERVAL, without a restart.
// In-flight requests finish on the instance they started with.
import type Provider from 'oidc-provider';
import type { KeyService, KeySnapshot } from './keys.js';

export interface ProviderHolder {
  current(): Provider;
  keys(): KeySnapshot;
  /** Re-reads keys now; returns true when the provider was rebuilt. */
  refresh(): Promise<boolean>;
  stop(): void;
}

export async function createProviderHolder(opts: {
  keyService: KeyService;
  build: (keys: KeySnapshot) => Provider;
  refreshIntervalSeconds: number;
  onError: (err: unknown) => void;
  onRebuild?: (provider: Provider) => void;
}): Promise<ProviderHolder> {
  let keys = await opts.keyService.snapshot();
  let provider = opts.build(keys);
  opts.onRebuild?.(provider);

  // One refresh at a time (timer and change notifications may overlap): an older snapshot
  // must never replace a newer one.
  let running: Promise<unknown> = Promise.resolve();
  function refresh(): Promise<boolean> {
    const next = running.then(reload, reload);
    running = next.catch(() => {});
    return next;
  }

  async function reload(): Promise<boolean> {
    const next = await opts.keyService.snapshot();
    if (next.fingerprint === keys.fingerprint) return false;
    const rebuilt = opts.build(next);
    [keys, provider] = [next, rebuilt];
    opts.onRebuild?.(rebuilt);
    return true;
  }

  const timer = setInterval(() => refresh().catch(opts.onError), opts.refreshIntervalSeconds * 1000);
  timer.unref();
  return { current: () => provider, keys: () => keys, refresh, stop: () => clearInterval(timer) };
}
