// Headless Debian Chromium driven by playwright-core, for tests where a page is the product.
// Installs chromium once when missing (as root with apt); otherwise `skip` says why not.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots and other browser artefacts (gitignored). */
export const ARTIFACTS = 'test-artifacts';

function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    try {
      execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium', {
        stdio: 'ignore',
        timeout: 600_000,
      });
    } catch {
      /* reported below */
    }
  }
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is absent and could not be installed (apt-get install chromium); the browser test needs it`;
}

/** Why browser tests must be skipped on this machine, or undefined when Chromium is there. */
export const skip = chromiumMissing();

/** Launches Chromium offline-friendly (no background networking, updates or sync), with `extraArgs`; makes ARTIFACTS. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
