/**
 * Runs inside the page before Keyward's renderer: turns the page bindings into window.keyward, the same
 * object the Electron preload exposes, and removes the raw bindings so the renderer sees nothing else.
 * Self-contained: Playwright serialises this function into the page.
 */
export function installBridge({ names, prefix }: { names: string[]; prefix: string }): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  const api: Record<string, (request: unknown) => Promise<unknown>> = {};
  for (const name of names) {
    const binding = scope[prefix + name];
    if (typeof binding !== 'function') continue;
    api[name] = (request: unknown) => (binding as (request: unknown) => Promise<unknown>)(request);
    Reflect.deleteProperty(scope, prefix + name);
  }
  Object.defineProperty(globalThis, 'keyward', { value: Object.freeze(api), writable: false, configurable: false });
}
