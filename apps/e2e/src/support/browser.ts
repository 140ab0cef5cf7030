import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './stack';

/** Debian's Chromium; Playwright's own browser downloads are never used. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(REPO_ROOT, 'tmp/screenshots');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** What went wrong inside the page: uncaught exceptions and console errors. */
export interface PageProblems {
  errors: string[];
  consoleErrors: string[];
}

export interface UserSession {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

/**
 * A fresh browser profile (no cookies, no localStorage) with a desktop viewport, as a user on a
 * zh-CN machine by default, so the console starts in Chinese.
 */
export async function newUserSession(browser: Browser, baseURL: string, locale = 'zh-CN'): Promise<UserSession> {
  const context = await browser.newContext({
    baseURL,
    locale,
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
    // Lets the test read what the console's copy buttons put on the clipboard.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], consoleErrors: [] };
  page.on('pageerror', (err) => problems.errors.push(err.stack ?? err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  return { context, page, problems };
}

/** A full-page PNG under tmp/screenshots/ (gitignored); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // From the top, so the sticky header and the fixed sider trigger sit where a user sees them.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** Elements whose text is cut off: labels, buttons, tags, menu items, titles that are wider than their box. */
const CLIP_CHECKED = [
  '.ant-menu-title-content',
  '.ant-btn',
  '.ant-tag',
  '.ant-segmented-item-label',
  '.ant-card-head-title',
  '.ant-form-item-label > label',
  '.ant-table-cell',
  '.ant-typography',
  '.ant-result-title',
  '.ant-result-subtitle',
].join(', ');

/** Texts of visible elements whose content overflows their box (clipped, or ellipsized by CSS). */
export async function clippedTexts(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    `[...document.querySelectorAll(${JSON.stringify(CLIP_CHECKED)})]
      .filter((el) => el.getClientRects().length > 0 && el.scrollWidth > el.clientWidth + 1)
      .map((el) => (el.className + ': ' + (el.textContent ?? '')).trim())`,
  );
}

/**
 * Script errors and console errors that are not expected: resource loads refused with 401 (before
 * login, a wrong password) are; `alsoExpected` adds more (e.g. images on a host this sandbox cannot reach).
 */
export function unexpectedProblems(problems: PageProblems, alsoExpected: RegExp[] = []): string[] {
  const expected = [/^Failed to load resource: the server responded with a status of 401\b/, ...alsoExpected];
  return [...problems.errors, ...problems.consoleErrors.filter((m) => !expected.some((re) => re.test(m)))];
}

/** Signs in on the console's login page (zh-CN labels). */
export async function loginToConsole(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('用户名', { exact: true }).fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: /(^|\s)登\s?录$/ }).click();
}
