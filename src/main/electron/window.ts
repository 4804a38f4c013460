/**
 * The hardened window and session (Electron security checklist): isolated, sandboxed renderer with no
 * Node, nothing loaded but Keyward's own files, no navigation, no new windows, no permissions, no menu,
 * and no DevTools in a packaged app.
 */
import { app, BrowserWindow, Menu, session, type Input, type WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../../shared/csp';
import { preloadScript, rendererDir, rendererIndex } from '../paths';

const rendererUrlPrefix = pathToFileURL(rendererDir).href + '/';

/** True for Keyward's own renderer files and nothing else. */
export function isAppUrl(url: string): boolean {
  return url.startsWith(rendererUrlPrefix);
}

/**
 * DevTools only for development (`electron .` from the source tree): in the packaged app officers use,
 * DevTools would let anyone at the keyboard run code with the renderer's access to the HSM contract.
 */
const devToolsAllowed = (): boolean => !app.isPackaged;

/** Chromium's DevTools shortcuts: F12, Ctrl/Cmd+Shift+I (DevTools), J (console), C (inspect element). */
export function opensDevTools(input: Pick<Input, 'type' | 'key' | 'control' | 'meta' | 'shift'>): boolean {
  const key = input.key.toLowerCase();
  return (
    input.type === 'keyDown' &&
    (key === 'f12' || ((input.control || input.meta) && input.shift && ['i', 'j', 'c'].includes(key)))
  );
}

export function hardenSession(): void {
  // No menu at all: Electron's default one carries Reload, zoom and Toggle Developer Tools (Ctrl+Shift+I).
  Menu.setApplicationMenu(null);
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // DevTools' own pages (devtools://) load only where DevTools are allowed: never in the packaged app.
  ses.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !(isAppUrl(details.url) || (devToolsAllowed() && details.url.startsWith('devtools://'))) }),
  );
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } }),
  );
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    if (!devToolsAllowed()) {
      // devTools: false already makes openDevTools() a no-op; these stop the shortcuts and close any DevTools that open anyway.
      contents.on('before-input-event', (event, input) => {
        if (opensDevTools(input)) event.preventDefault();
      });
      contents.on('devtools-opened', () => contents.closeDevTools());
    }
  });
}

export async function createMainWindow(): Promise<BrowserWindow> {
  const window = new BrowserWindow({
    width: 1366,
    height: 768,
    minWidth: 1024,
    minHeight: 640,
    title: 'Keyward',
    show: false,
    backgroundColor: '#f5f6f8',
    webPreferences: {
      preload: preloadScript,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: devToolsAllowed(),
    },
  });
  window.once('ready-to-show', () => window.show());
  await window.loadFile(rendererIndex);
  return window;
}
