/**
 * The Electron security checklist, item by item, against Keyward's own window, session and IPC code.
 * Electron's runtime cannot run on this machine, so its API is replaced by a recorder that keeps what
 * Keyward asks of it; the same settings are exercised for real by the Electron end-to-end project where
 * the runtime exists.
 */
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { rendererDir } from '../../src/main/paths';
import { callNames, channelOf } from '../../src/shared/call-names';
import type { Handlers } from '../../src/shared/contract';
import { contentSecurityPolicy } from '../../src/shared/csp';

type Listener = (...args: unknown[]) => unknown;
const recorded = vi.hoisted(() => ({
  /** What app.isPackaged answers: the packaged app officers use, unless a test says otherwise. */
  isPackaged: true,
  /** Every Menu.setApplicationMenu call, in order. */
  applicationMenus: [] as unknown[],
  windowOptions: undefined as undefined | { webPreferences: Record<string, unknown> },
  permissionRequest: undefined as
    undefined | ((contents: unknown, permission: string, callback: (allow: boolean) => void) => void),
  permissionCheck: undefined as undefined | (() => boolean),
  beforeRequest: undefined as
    undefined | ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void),
  headersReceived: undefined as
    | undefined
    | ((
        details: { responseHeaders: Record<string, string[]> },
        callback: (response: { responseHeaders: Record<string, string[]> }) => void,
      ) => void),
  appListeners: new Map<string, (...args: unknown[]) => unknown>(),
  ipcHandlers: new Map<string, (event: unknown, payload: unknown) => unknown>(),
}));

vi.mock('electron', () => ({
  app: {
    on: (event: string, listener: Listener) => recorded.appListeners.set(event, listener),
    get isPackaged() {
      return recorded.isPackaged;
    },
  },
  Menu: { setApplicationMenu: (menu: unknown) => recorded.applicationMenus.push(menu) },
  BrowserWindow: class {
    webContents = { mainFrame: {} };
    constructor(options: { webPreferences: Record<string, unknown> }) {
      recorded.windowOptions = options;
    }
    once(): void {}
    loadFile(): Promise<void> {
      return Promise.resolve();
    }
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (handler: typeof recorded.permissionRequest) =>
        (recorded.permissionRequest = handler),
      setPermissionCheckHandler: (handler: typeof recorded.permissionCheck) => (recorded.permissionCheck = handler),
      webRequest: {
        onBeforeRequest: (handler: typeof recorded.beforeRequest) => (recorded.beforeRequest = handler),
        onHeadersReceived: (handler: typeof recorded.headersReceived) => (recorded.headersReceived = handler),
      },
    },
  },
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, payload: unknown) => unknown) =>
      recorded.ipcHandlers.set(channel, handler),
  },
}));

const appUrl = `${pathToFileURL(rendererDir).href}/index.html`;

beforeAll(async () => {
  const { createMainWindow, hardenSession } = await import('../../src/main/electron/window');
  hardenSession();
  await createMainWindow();
});

describe('the Electron security checklist', () => {
  it('runs the renderer isolated, sandboxed, without Node and with web security', () => {
    expect(recorded.windowOptions?.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('sets a Content Security Policy with no unsafe-inline, no unsafe-eval and no network', () => {
    let headers: Record<string, string[]> = {};
    recorded.headersReceived?.({ responseHeaders: {} }, (response) => (headers = response.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([contentSecurityPolicy]);
    expect(contentSecurityPolicy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(contentSecurityPolicy).toContain("default-src 'none'");
    expect(contentSecurityPolicy).toContain("connect-src 'none'");
  });

  it("loads no remote content: every request but Keyward's own files is cancelled", () => {
    const cancelled = (url: string) => {
      let cancel: boolean | undefined;
      recorded.beforeRequest?.({ url }, (response) => (cancel = response.cancel));
      return cancel;
    };
    expect(cancelled(appUrl)).toBe(false);
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      `${pathToFileURL(rendererDir).href}-evil/index.html`,
      'ws://localhost/',
      'data:text/html,x',
      'devtools://devtools/bundled/devtools_app.html',
    ])
      expect(cancelled(url)).toBe(true);
  });

  it('has no DevTools and no application menu in the packaged app', () => {
    expect(recorded.windowOptions?.webPreferences.devTools).toBe(false);
    expect(recorded.applicationMenus).toEqual([null]);
    const listeners = new Map<string, Listener>();
    const closeDevTools = vi.fn();
    recorded.appListeners.get('web-contents-created')?.(
      {},
      {
        on: (event: string, listener: Listener) => listeners.set(event, listener),
        setWindowOpenHandler: () => undefined,
        closeDevTools,
      },
    );
    const preventDefault = vi.fn();
    listeners.get('before-input-event')?.(
      { preventDefault },
      { type: 'keyDown', key: 'I', control: true, meta: false, shift: true, alt: false },
    );
    expect(preventDefault).toHaveBeenCalled();
    listeners.get('devtools-opened')?.();
    expect(closeDevTools).toHaveBeenCalled();
  });

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'usb', 'hid', 'serial']) {
      let allowed: boolean | undefined;
      recorded.permissionRequest?.({}, permission, (allow) => (allowed = allow));
      expect(allowed).toBe(false);
    }
    expect(recorded.permissionCheck?.()).toBe(false);
  });

  it('blocks navigation, redirects, webviews and new windows in every web contents', () => {
    const listeners = new Map<string, Listener>();
    let openHandler: (() => { action: string }) | undefined;
    recorded.appListeners.get('web-contents-created')?.(
      {},
      {
        on: (event: string, listener: Listener) => listeners.set(event, listener),
        setWindowOpenHandler: (handler: () => { action: string }) => (openHandler = handler),
      },
    );
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const preventDefault = vi.fn();
      listeners.get(event)?.({ preventDefault });
      expect(preventDefault, event).toHaveBeenCalled();
    }
    expect(openHandler?.()).toEqual({ action: 'deny' });
  });

  it('checks the sender frame of every IPC call before the payload reaches a handler', async () => {
    const { bindIpc } = await import('../../src/main/electron/ipc');
    const mainFrame = { url: appUrl };
    const called: string[] = [];
    const handlers = Object.fromEntries(
      callNames.map((name) => [name, () => (called.push(name), Promise.resolve({ mode: 'rehearsal' }))]),
    ) as unknown as Handlers;
    bindIpc(() => ({ webContents: { mainFrame } }) as never, handlers);
    expect([...recorded.ipcHandlers.keys()].sort()).toEqual(callNames.map(channelOf).sort());
    const invoke = (frame: unknown) =>
      recorded.ipcHandlers.get(channelOf('getHsmSettings'))?.({ senderFrame: frame }, {}) as Promise<{
        ok: boolean;
        error?: { code: string };
      }>;
    expect(await invoke(mainFrame)).toMatchObject({ ok: true });
    for (const frame of [{ url: appUrl }, { url: 'https://example.com/' }, null])
      expect(await invoke(frame)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(called).toEqual(['getHsmSettings']);
  });

  it('allows DevTools only when Keyward runs unpackaged, from its source tree', async () => {
    const { createMainWindow, hardenSession } = await import('../../src/main/electron/window');
    recorded.isPackaged = false;
    try {
      hardenSession();
      await createMainWindow();
      expect(recorded.windowOptions?.webPreferences.devTools).toBe(true);
      const cancelled = (url: string) => {
        let cancel: boolean | undefined;
        recorded.beforeRequest?.({ url }, (response) => (cancel = response.cancel));
        return cancel;
      };
      expect(cancelled('devtools://devtools/bundled/devtools_app.html')).toBe(false);
      expect(cancelled('https://example.com/')).toBe(true);
    } finally {
      recorded.isPackaged = true;
    }
  });
});
