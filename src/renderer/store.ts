/** Renderer state (zustand): what the screens show, loaded through the contract only. */
import { create } from 'zustand';
import type { ModuleTokens, TokenStatus } from '../shared/contract';
import type { KeywardErrorData } from '../shared/errors';
import type { Capabilities } from '../shared/keys';
import type { HsmSettings } from '../shared/settings';
import { call } from './api';

export type Screen = 'start' | 'settings';

export type Loadable<T> =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'failed'; error: KeywardErrorData };

interface AppState {
  screen: Screen;
  status: Loadable<TokenStatus>;
  settings: Loadable<HsmSettings>;
  moduleTokens: Loadable<ModuleTokens>;
  saving: Loadable<HsmSettings>;
  capabilities: Loadable<Capabilities>;
  probeToken: () => Promise<void>;
  show: (screen: Screen) => void;
  refreshStatus: () => Promise<void>;
  loadSettings: () => Promise<void>;
  listModuleTokens: (modulePath: string) => Promise<void>;
  selectHsm: (settings: HsmSettings) => Promise<boolean>;
}

export const useApp = create<AppState>((set, get) => ({
  screen: 'start',
  status: { state: 'idle' },
  settings: { state: 'idle' },
  moduleTokens: { state: 'idle' },
  saving: { state: 'idle' },
  capabilities: { state: 'idle' },

  probeToken: async () => {
    set({ capabilities: { state: 'loading' } });
    const result = await call('probeToken', {});
    set({ capabilities: result.ok ? { state: 'ready', value: result.value } : { state: 'failed', error: result.error } });
  },

  show: (screen) => set({ screen }),

  refreshStatus: async () => {
    set({ status: { state: 'loading' } });
    const result = await call('getTokenStatus', {});
    set({ status: result.ok ? { state: 'ready', value: result.value } : { state: 'failed', error: result.error } });
  },

  loadSettings: async () => {
    set({ settings: { state: 'loading' }, saving: { state: 'idle' } });
    const result = await call('getHsmSettings', {});
    set({ settings: result.ok ? { state: 'ready', value: result.value } : { state: 'failed', error: result.error } });
  },

  listModuleTokens: async (modulePath) => {
    set({ moduleTokens: { state: 'loading' } });
    const result = await call('listModuleTokens', { modulePath });
    set({ moduleTokens: result.ok ? { state: 'ready', value: result.value } : { state: 'failed', error: result.error } });
  },

  selectHsm: async (settings) => {
    set({ saving: { state: 'loading' } });
    const result = await call('selectHsm', settings);
    if (!result.ok) {
      set({ saving: { state: 'failed', error: result.error } });
      return false;
    }
    set({ saving: { state: 'ready', value: result.value }, settings: { state: 'ready', value: result.value }, capabilities: { state: 'idle' } });
    await get().refreshStatus();
    return true;
  },
}));
