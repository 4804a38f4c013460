import type { KeywardApi } from '../shared/contract';

declare global {
  interface Window {
    /** The contract, exposed by the Electron preload or the Chromium shell's bridge. */
    readonly keyward: KeywardApi;
  }
}
