/**
 * The Chromium shell: Debian's Chromium, driven by playwright-core, shows the built renderer with the
 * contract handlers bound into the page. The page's origin exists only inside this browser: every
 * request is answered from the built files on disk or refused, so there is no HTTP server and no port.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page, type Route } from 'playwright-core';
import { callNames } from '../../shared/call-names';
import type { Handlers } from '../../shared/contract';
import { contentSecurityPolicy } from '../../shared/csp';
import { dispatch, forbiddenSender } from '../api/dispatch';
import { rendererDir } from '../paths';
import { installBridge } from './bridge';

/** A reserved name (RFC 2606): it can never resolve, so nothing but this shell can ever serve it. */
export const appOrigin = 'https://keyward.invalid';
export const bindingPrefix = '__keyward_';
export const chromiumPath = process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface ChromiumShell {
  page: Page;
  context: BrowserContext;
  /** Resolves when the officer closes the window or close() is called. */
  closed: Promise<void>;
  close(): Promise<void>;
}

export interface ChromiumShellOptions {
  handlers: Handlers;
  headless: boolean;
}

function serveFromDisk(route: Route): Promise<void> {
  const url = new URL(route.request().url());
  if (url.origin !== appOrigin) return route.abort('blockedbyclient');
  const relative = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
  const file = join(rendererDir, relative);
  if (!file.startsWith(rendererDir + sep)) return route.abort('accessdenied');
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    return route.fulfill({ status: 404, body: 'Not part of Keyward' });
  }
  return route.fulfill({
    status: 200,
    body,
    headers: {
      'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    },
  });
}

function isAppFrame(frame: Frame, page: Page): boolean {
  return frame === page.mainFrame() && new URL(frame.url()).origin === appOrigin;
}

export function chromiumArgs(headless: boolean): string[] {
  const args = [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--disable-default-apps',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-features=Translate,MediaRouter,OptimizationHints',
    '--window-size=1366,768',
  ];
  // Chromium refuses to start its sandbox as root; tests and CI run as root.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  if (!headless) args.push('--app=data:text/html,<title>Keyward</title>');
  return args;
}

/** How the shell launches Chromium (also used by the start benchmark's baseline, to launch it the same way). */
export function chromiumLaunchOptions(
  headless: boolean,
): NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]> {
  return {
    executablePath: chromiumPath,
    headless,
    args: chromiumArgs(headless),
    ignoreDefaultArgs: ['--enable-automation'],
    viewport: headless ? { width: 1366, height: 768 } : null,
    acceptDownloads: false,
    serviceWorkers: 'block',
    offline: false,
  };
}

export async function launchChromiumShell({ handlers, headless }: ChromiumShellOptions): Promise<ChromiumShell> {
  const profile = mkdtempSync(join(tmpdir(), 'keyward-chromium-'));
  const context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions(headless));
  const page = context.pages()[0] ?? (await context.newPage());
  // Keyward has one window: anything else that opens is closed at once.
  context.on('page', (other) => {
    if (other !== page) void other.close();
  });
  await context.route('**/*', serveFromDisk);
  for (const name of callNames) {
    await context.exposeBinding(`${bindingPrefix}${name}`, ({ frame }, payload: unknown) =>
      isAppFrame(frame, page) ? dispatch(handlers, name, payload) : forbiddenSender(frame.url()),
    );
  }
  await context.addInitScript(installBridge, { names: [...callNames], prefix: bindingPrefix });
  await page.goto(`${appOrigin}/index.html`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= context
      .close()
      .catch(() => undefined)
      .finally(() => rmSync(profile, { recursive: true, force: true }));
    return closing;
  };
  const closed = new Promise<void>((resolve) => {
    page.once('close', () => void close().then(resolve));
    context.once('close', () => void close().then(resolve));
  });
  return { page, context, closed, close };
}
