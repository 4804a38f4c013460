/** Renderer state (zustand): what the screens show, loaded through the contract only. */
import { create } from 'zustand';
import type { AirGapView } from '../shared/air-gap';
import type { AuditEntry, AuditVerification, CheckpointVerification } from '../shared/audit';
import type { CeremonyCatalogueEntry } from '../shared/ceremony-types';
import type { InventoryView, ModuleTokens, OfficersView, StoreStatus, TokenStatus } from '../shared/contract';
import type { ModuleLoad } from '../shared/module-load';
import type { HsmSettings } from '../shared/settings';
import type { CapabilitySheet } from '../shared/token-sheet';
import { call } from './api';
import { loaded, type Loadable } from './loadable';

export type Screen = 'start' | 'ceremonies' | 'keys' | 'officers' | 'audit' | 'settings' | 'help';

export interface AuditFilters {
  action: string;
  actor: string;
  subject: string;
  ceremony: string;
  /** Dates (YYYY-MM-DD, UTC) from a date input; empty for no bound. */
  from: string;
  to: string;
}

export const auditPageSize = 50;

interface AppState {
  screen: Screen;
  status: Loadable<TokenStatus>;
  settings: Loadable<HsmSettings>;
  moduleTokens: Loadable<ModuleTokens>;
  saving: Loadable<HsmSettings>;
  capabilities: Loadable<CapabilitySheet>;
  /** The token's sheet as probed once in this run: what the forms offer (not a fresh probe, unlike `capabilities`). */
  tokenSheet: Loadable<CapabilitySheet>;
  loadTokenSheet: () => Promise<void>;
  storeStatus: Loadable<StoreStatus>;
  /** The air gap as last read (the status bar and Home show it). */
  airGap: Loadable<AirGapView>;
  loadAirGap: () => Promise<void>;
  /** The air gap as an acknowledgement returned it. */
  airGapAcknowledged: (view: AirGapView) => void;
  loadStoreStatus: () => Promise<void>;
  inventory: Loadable<InventoryView>;
  loadInventory: () => Promise<void>;
  officers: Loadable<OfficersView>;
  loadOfficers: () => Promise<void>;
  /** Every ceremony type with its form, as the main process declares them (loaded once: they never change while it runs). */
  catalogue: Loadable<CeremonyCatalogueEntry[]>;
  loadCatalogue: () => Promise<void>;
  /** Opens the audit log filtered to one key's entries (all its versions). */
  showKeyHistory: (keyName: string) => void;
  auditPreset: AuditFilters | undefined;
  probeToken: () => Promise<void>;
  auditEntries: Loadable<AuditEntry[]>;
  auditHasMore: boolean;
  auditVerification: Loadable<{ chain: AuditVerification; checkpoints: CheckpointVerification }>;
  /** Loads the newest page for the filters, or with `more` the page after the entries shown. */
  loadAudit: (filters: AuditFilters, more?: boolean) => Promise<void>;
  verifyAudit: () => Promise<void>;
  show: (screen: Screen) => void;
  refreshStatus: () => Promise<void>;
  loadSettings: () => Promise<void>;
  listModuleTokens: (load: ModuleLoad) => Promise<void>;
  selectHsm: (settings: HsmSettings) => Promise<boolean>;
}

export const useApp = create<AppState>((set, get) => ({
  screen: 'start',
  status: { state: 'idle' },
  settings: { state: 'idle' },
  moduleTokens: { state: 'idle' },
  saving: { state: 'idle' },
  capabilities: { state: 'idle' },
  tokenSheet: { state: 'idle' },
  airGap: { state: 'idle' },
  storeStatus: { state: 'idle' },
  inventory: { state: 'idle' },
  officers: { state: 'idle' },
  catalogue: { state: 'idle' },
  auditPreset: undefined,
  auditEntries: { state: 'idle' },
  auditHasMore: false,
  auditVerification: { state: 'idle' },

  loadAudit: async (filters, more = false) => {
    const shown = get().auditEntries;
    const previous = more && shown.state === 'ready' ? shown.value : [];
    const before = previous.at(-1)?.seq;
    if (!more) set({ auditEntries: { state: 'loading' } });
    const query = {
      limit: auditPageSize,
      ...(filters.action.trim() ? { action: filters.action.trim() } : {}),
      ...(filters.actor.trim() ? { actor: filters.actor.trim() } : {}),
      ...(filters.subject.trim() ? { subject: filters.subject.trim() } : {}),
      ...(filters.ceremony.trim() ? { ceremony: filters.ceremony.trim() } : {}),
      ...(/^\d{4}-\d{2}-\d{2}$/.test(filters.from) ? { from: `${filters.from}T00:00:00.000Z` } : {}),
      ...(/^\d{4}-\d{2}-\d{2}$/.test(filters.to) ? { to: `${filters.to}T23:59:59.999Z` } : {}),
      ...(before !== undefined ? { before } : {}),
    };
    const result = await call('queryAudit', query);
    if (!result.ok) {
      set({ auditEntries: { state: 'failed', error: result.error } });
      return;
    }
    set({
      auditEntries: { state: 'ready', value: [...previous, ...result.value] },
      auditHasMore: result.value.length === auditPageSize,
    });
  },

  verifyAudit: async () => {
    set({ auditVerification: { state: 'loading' } });
    const result = await call('verifyAudit', {});
    set({ auditVerification: loaded(result) });
  },

  loadOfficers: async () => {
    set({ officers: { state: 'loading' } });
    const result = await call('getOfficers', {});
    set({ officers: loaded(result) });
  },

  loadCatalogue: async () => {
    if (get().catalogue.state === 'ready' || get().catalogue.state === 'loading') return;
    set({ catalogue: { state: 'loading' } });
    const result = await call('getCeremonyCatalogue', {});
    set({ catalogue: loaded(result) });
  },

  loadInventory: async () => {
    // A reload keeps what is shown until the new value arrives.
    if (get().inventory.state !== 'ready') set({ inventory: { state: 'loading' } });
    const result = await call('getInventory', {});
    set({ inventory: loaded(result) });
  },

  showKeyHistory: (keyName) =>
    set({ screen: 'audit', auditPreset: { action: '', actor: '', subject: keyName, ceremony: '', from: '', to: '' } }),

  loadAirGap: async () => {
    // A reading again keeps the last one shown until it arrives.
    if (get().airGap.state !== 'ready') set({ airGap: { state: 'loading' } });
    set({ airGap: loaded(await call('getAirGapStatus', {})) });
  },

  airGapAcknowledged: (view) => set({ airGap: { state: 'ready', value: view } }),

  loadStoreStatus: async () => {
    if (get().storeStatus.state !== 'ready') set({ storeStatus: { state: 'loading' } });
    const result = await call('getStoreStatus', {});
    set({ storeStatus: loaded(result) });
  },

  probeToken: async () => {
    set({ capabilities: { state: 'loading' } });
    const result = await call('probeToken', {});
    set({ capabilities: loaded(result), ...(result.ok ? { tokenSheet: loaded(result) } : {}) });
  },

  loadTokenSheet: async () => {
    if (get().tokenSheet.state === 'loading') return;
    if (get().tokenSheet.state !== 'ready') set({ tokenSheet: { state: 'loading' } });
    set({ tokenSheet: loaded(await call('getTokenSheet', {})) });
  },

  show: (screen) => set({ screen, auditPreset: undefined }),

  refreshStatus: async () => {
    set({ status: { state: 'loading' } });
    const result = await call('getTokenStatus', {});
    set({ status: loaded(result) });
  },

  loadSettings: async () => {
    set({ settings: { state: 'loading' }, saving: { state: 'idle' } });
    const result = await call('getHsmSettings', {});
    set({ settings: loaded(result) });
  },

  listModuleTokens: async (load) => {
    set({ moduleTokens: { state: 'loading' } });
    const result = await call('listModuleTokens', load);
    set({ moduleTokens: loaded(result) });
  },

  selectHsm: async (settings) => {
    set({ saving: { state: 'loading' } });
    const result = await call('selectHsm', settings);
    if (!result.ok) {
      set({ saving: { state: 'failed', error: result.error } });
      return false;
    }
    set({
      saving: { state: 'ready', value: result.value },
      settings: { state: 'ready', value: result.value },
      capabilities: { state: 'idle' },
      tokenSheet: { state: 'idle' },
    });
    await get().refreshStatus();
    return true;
  },
}));
