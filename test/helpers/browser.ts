import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (scripts/setup.sh installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launches headless Chromium; throws (the test fails, never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: the browser tests need Debian's chromium; run bash scripts/setup.sh (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
}

/** The CSS selector of an element with this `data-testid` (the dashboard marks what tests read). */
export const testId = (id: string): string => `[data-testid="${id}"]`;

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Saves a full-page screenshot as test-artifacts/<folder>/<name>.png; returns its path. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = join(artifacts, folder);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
