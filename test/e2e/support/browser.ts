// Headless Chromium for the UI tests: Debian's `chromium` driven by playwright-core (no browser
// download; CI installs the package through scripts/install-system-deps.sh). Every console error and
// uncaught page error is recorded, and a test fails on any it did not expect.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The Chromium binary: $TILEFLOW_CHROMIUM, or Debian's. */
export const CHROMIUM_PATH = process.env.TILEFLOW_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests save screenshots (test/e2e/out is git-ignored). */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', 'out', 'screenshots');

/** Starts headless Chromium; a missing binary fails with the command that installs it. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install it with \`sudo bash scripts/install-system-deps.sh run test\` ` +
        '(Debian package chromium), or point TILEFLOW_CHROMIUM at a Chromium or Chrome binary.',
    );
  }
  // --no-sandbox: CI and containers run as root, where Chromium's sandbox cannot start. (No
  // --disable-gpu: without it, headless Chromium composites off the main thread and scrolls smoother.)
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Starts headless Chromium with one page at a laptop's viewport (1366 x 800), its console watched. */
export async function openLaptopPage(): Promise<{ browser: Browser; page: Page; watch: ConsoleWatch }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  return { browser, page, watch: new ConsoleWatch(page) };
}

/** Console errors and page errors of one page, with the few a test step expects set aside. */
export class ConsoleWatch {
  readonly errors: string[] = [];
  private expected: RegExp[] = [];

  constructor(page: Page) {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = `${message.text()} (${message.location().url || 'page'})`;
      if (!this.expected.some((pattern) => pattern.test(text))) this.errors.push(text);
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
  }

  /** Runs a step during which console errors matching `pattern` are expected (e.g. a 400 the UI shows). */
  async expecting<T>(pattern: RegExp, step: () => Promise<T>): Promise<T> {
    this.expected.push(pattern);
    try {
      return await step();
    } finally {
      this.expected = this.expected.filter((p) => p !== pattern);
    }
  }
}

/** Saves a full-page screenshot under test/e2e/out/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
