/**
 * The hardened window and session (Electron security checklist): isolated, sandboxed renderer with no
 * Node, nothing loaded but Keyward's own files, no navigation, no new windows, no permissions.
 */
import { app, BrowserWindow, session, type WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../../shared/csp';
import { preloadScript, rendererDir, rendererIndex } from '../paths';

const rendererUrlPrefix = pathToFileURL(rendererDir).href + '/';

/** True for Keyward's own renderer files and nothing else. */
export function isAppUrl(url: string): boolean {
  return url.startsWith(rendererUrlPrefix);
}

export function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAppUrl(details.url) && !details.url.startsWith('devtools://') }));
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } }),
  );
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
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
    },
  });
  window.once('ready-to-show', () => window.show());
  await window.loadFile(rendererIndex);
  return window;
}
