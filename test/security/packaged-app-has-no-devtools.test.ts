/**
 * Review item 9: someone at the workstation tries to open DevTools in the packaged Keyward app, to run
 * code with the renderer's access to the HSM contract. Electron's runtime cannot run on this machine, so
 * its API is a recorder: the attempts go through exactly the handlers and settings Keyward gave Electron.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => unknown;
interface KeyInput {
  type: string;
  key: string;
  control: boolean;
  meta: boolean;
  shift: boolean;
  alt: boolean;
}
const recorded = vi.hoisted(() => ({
  windowOptions: undefined as undefined | { webPreferences: Record<string, unknown> },
  applicationMenus: [] as unknown[],
  beforeRequest: undefined as
    undefined | ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void),
  appListeners: new Map<string, (...args: unknown[]) => unknown>(),
}));

vi.mock('electron', () => ({
  app: { isPackaged: true, on: (event: string, listener: Listener) => recorded.appListeners.set(event, listener) },
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
      setPermissionRequestHandler: () => undefined,
      setPermissionCheckHandler: () => undefined,
      webRequest: {
        onBeforeRequest: (handler: typeof recorded.beforeRequest) => (recorded.beforeRequest = handler),
        onHeadersReceived: () => undefined,
      },
    },
  },
}));

/** The main window's web contents as Electron would create it, with DevTools that can be opened. */
function mainWebContents() {
  const listeners = new Map<string, Listener[]>();
  const contents = {
    devToolsOpen: false,
    on: (event: string, listener: Listener) => listeners.set(event, [...(listeners.get(event) ?? []), listener]),
    setWindowOpenHandler: () => undefined,
    closeDevTools: () => (contents.devToolsOpen = false),
    /**
     * The worst case: a DevTools shortcut that is not prevented reaches DevTools (F12, Ctrl/Cmd+Shift+I, J
     * or C). Returns whether Keyward's before-input-event handler prevented it.
     */
    press(input: KeyInput): boolean {
      const preventDefault = vi.fn();
      for (const listener of listeners.get('before-input-event') ?? []) listener({ preventDefault }, input);
      const prevented = preventDefault.mock.calls.length > 0;
      const shortcut =
        input.key === 'F12' ||
        ((input.control || input.meta) && input.shift && ['i', 'j', 'c'].includes(input.key.toLowerCase()));
      if (!prevented && input.type === 'keyDown' && shortcut) contents.openDevTools(true);
      return prevented;
    },
    /**
     * webContents.openDevTools(), as a preload bug or a debugger might call it. `ignoreSetting` models
     * DevTools opening however they are asked for, so the last line of defence is tested on its own.
     */
    openDevTools(ignoreSetting = false): void {
      if (!ignoreSetting && recorded.windowOptions?.webPreferences.devTools === false) return; // Electron's documented behaviour
      contents.devToolsOpen = true;
      for (const listener of listeners.get('devtools-opened') ?? []) listener();
    },
  };
  recorded.appListeners.get('web-contents-created')?.({}, contents);
  return contents;
}

const key = (keyName: string, modifiers: Partial<KeyInput> = {}): KeyInput => ({
  type: 'keyDown',
  key: keyName,
  control: false,
  meta: false,
  shift: false,
  alt: false,
  ...modifiers,
});

beforeAll(async () => {
  const { createMainWindow, hardenSession } = await import('../../src/main/electron/window');
  hardenSession();
  await createMainWindow();
});

describe('the packaged app has no DevTools', () => {
  it("cancels a request for DevTools' own pages (devtools://)", () => {
    for (const url of [
      'devtools://devtools/bundled/devtools_app.html',
      'devtools://devtools/bundled/inspector.html?ws=127.0.0.1:9222',
    ]) {
      let cancel: boolean | undefined;
      recorded.beforeRequest?.({ url }, (response) => (cancel = response.cancel));
      expect(cancel, url).toBe(true);
    }
  });

  it('creates the window with DevTools turned off', () => {
    expect(recorded.windowOptions?.webPreferences.devTools).toBe(false);
  });

  it('removes the application menu, and with it Toggle Developer Tools and its shortcut', () => {
    expect(recorded.applicationMenus.length).toBeGreaterThan(0);
    expect(recorded.applicationMenus.at(-1)).toBeNull();
  });

  it('a DevTools shortcut typed at the keyboard is stopped before it reaches DevTools, and opens nothing', () => {
    const contents = mainWebContents();
    for (const attempt of [
      key('I', { control: true, shift: true }),
      key('i', { control: true, shift: true }),
      key('F12'),
      key('J', { control: true, shift: true }),
      key('C', { meta: true, shift: true }),
    ]) {
      // Stopped at the keyboard (before-input-event), not merely closed afterwards by the devtools-opened listener.
      expect(contents.press(attempt), `${JSON.stringify(attempt)} prevented`).toBe(true);
      expect(contents.devToolsOpen, JSON.stringify(attempt)).toBe(false);
    }
    // Ordinary typing goes through.
    expect(contents.press(key('i', { control: true }))).toBe(false);
  });

  it('openDevTools() opens nothing, and DevTools that open however they are asked for are closed at once', () => {
    const contents = mainWebContents();
    contents.openDevTools();
    expect(contents.devToolsOpen).toBe(false);
    contents.openDevTools(true);
    expect(contents.devToolsOpen).toBe(false);
  });
});
