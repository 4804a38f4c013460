/**
 * The ceremony session's state (zustand): the open ceremony as main last reported it, what Keyward is
 * working on, and the last refusal or failure. Secrets typed by officers live only in the component
 * that collects them, and only until they are sent.
 */
import { create } from 'zustand';
import { describeRollback, type CeremonyView, type StepInputs } from '../../shared/ceremonies';
import type { BundleCheck, CeremonyList, RequestOf } from '../../shared/contract';
import { sessionLostCodes, type KeywardErrorData, type Result } from '../../shared/errors';
import type { RemovableDrive } from '../../shared/media';
import { call } from '../api';
import { loaded, type Loadable } from '../loadable';
import { useApp } from '../store';

interface CeremonyState {
  list: Loadable<CeremonyList>;
  drives: Loadable<RemovableDrive[]>;
  /** The ceremony open in the wizard. */
  open: CeremonyView | undefined;
  /** What Keyward is doing now (the screen says so and stays responsive); undefined when idle. */
  working: { what: string; since: number } | undefined;
  /**
   * The last action's refusal or failure, shown until the next action or a change to what was refused;
   * `form`: the ceremony form's (shown at its field, or at its Plan button), not the screen's.
   */
  error: { title: string; error: KeywardErrorData; form?: true } | undefined;
  /** Read-back verification of each bundle folder written by the open ceremony. */
  bundleChecks: Record<string, Loadable<BundleCheck>>;
  transcript: Loadable<string>;
  /** The signed ceremony script written to a drive (before the ceremony), for the open ceremony. */
  script: Loadable<string>;
  /** The last login's warnings (earlier wrong PINs) and the ceremonies it rolled back. */
  loginNotes: string[];
  loadList: () => Promise<void>;
  loadDrives: () => Promise<void>;
  login: (pinParts: string[]) => Promise<boolean>;
  /** Ends the session: the token is logged out and any open ceremony is left (it waits in the list). */
  logout: () => Promise<boolean>;
  initialise: (request: RequestOf<'initialiseWorkstation'>) => Promise<boolean>;
  /** What the initialisation made, shown until the officers have recorded the workstation key's fingerprint. */
  initialised: { signerFingerprint: string; officers: string[] } | undefined;
  dismissInitialised: () => void;
  plan: (request: RequestOf<'planCeremony'>) => Promise<boolean>;
  openCeremony: (id: string) => Promise<void>;
  close: () => void;
  checkIn: (officer: string, passphrase: string) => Promise<boolean>;
  approve: (step: number, officer: string, passphrase: string) => Promise<boolean>;
  runNext: (inputs: StepInputs) => Promise<boolean>;
  /** `finish` false: this officer's signature is kept, and another officer signs the abort next. */
  abort: (reason: string, officer: string, passphrase: string, inputs: StepInputs, finish: boolean) => Promise<boolean>;
  verifyBundle: (folder: string) => Promise<void>;
  writeTranscript: (folder: string) => Promise<void>;
  writeScript: (folder: string) => Promise<void>;
  dismissError: () => void;
  /** A ceremony type another screen asked to start (the Audit screen's export); the form opens on it. */
  requested: string | undefined;
  request: (type: string | undefined) => void;
}

export const useCeremony = create<CeremonyState>((set, get) => {
  /** Runs one call with the working indicator; a failure is kept for the screen, with its title. */
  async function act<T>(
    what: string,
    title: string,
    run: () => Promise<Result<T>>,
    form = false,
  ): Promise<T | undefined> {
    set({ working: { what, since: Date.now() }, error: undefined });
    try {
      const result = await run();
      if (!result.ok) {
        set({ error: { title, error: result.error, ...(form ? { form: true as const } : {}) } });
        // Main may have changed the ceremony before refusing (a step that failed is recorded as failed).
        const open = get().open;
        if (open) {
          const fresh = await call('getCeremony', { id: open.status.plan.id });
          if (fresh.ok) show(fresh.value);
        }
        // The HSM process restarted or the token went away: the session's login is gone, so the login form returns.
        if (sessionLostCodes.includes(result.error.code)) await get().loadList();
        return undefined;
      }
      return result.value;
    } finally {
      set({ working: undefined });
    }
  }

  /** Shows a ceremony's new state, unless the officers have meanwhile left it (or opened another). */
  const show = (view: CeremonyView | undefined): void => {
    if (view && get().open?.status.plan.id === view.status.plan.id) set({ open: view });
  };

  const openId = (): string => {
    const open = get().open;
    if (!open) throw new Error('no ceremony is open');
    return open.status.plan.id;
  };

  return {
    list: { state: 'idle' },
    drives: { state: 'idle' },
    open: undefined,
    working: undefined,
    error: undefined,
    bundleChecks: {},
    transcript: { state: 'idle' },
    script: { state: 'idle' },
    loginNotes: [],
    initialised: undefined,

    loadList: async () => {
      // A reload keeps the list on screen (and the forms under it mounted) until the new one arrives.
      if (get().list.state !== 'ready') set({ list: { state: 'loading' } });
      set({ list: loaded(await call('getCeremonies', {})) });
    },

    loadDrives: async () => {
      if (get().drives.state !== 'ready') set({ drives: { state: 'loading' } });
      set({ drives: loaded(await call('listDrives', {})) });
    },

    login: async (pinParts) => {
      const result = await act('Logging in to the token', 'The token login failed', () =>
        call('loginToken', { pinParts }),
      );
      if (!result) return false;
      set({ loginNotes: [...result.warnings, ...result.recovered.map(describeRollback)] });
      await Promise.all([get().loadList(), useApp.getState().refreshStatus()]);
      return true;
    },

    logout: async () => {
      const done = await act('Logging out of the token', 'The session did not end', () => call('logoutToken', {}));
      set({
        open: undefined,
        bundleChecks: {},
        transcript: { state: 'idle' },
        script: { state: 'idle' },
        loginNotes: [],
      });
      await Promise.all([get().loadList(), useApp.getState().refreshStatus()]);
      return done !== undefined;
    },

    initialise: async (request) => {
      const result = await act(
        'Creating the workstation signing key in the token and enrolling the founding officers',
        'The workstation was not initialised',
        () => call('initialiseWorkstation', request),
      );
      if (result) set({ initialised: result });
      await get().loadList();
      // Every panel that shows the token, its objects, the officers or the store reads them again.
      const app = useApp.getState();
      await Promise.all([app.refreshStatus(), app.loadOfficers(), app.loadStoreStatus()]);
      return result !== undefined;
    },

    dismissInitialised: () => set({ initialised: undefined }),

    plan: async (request) => {
      const view = await act(
        'Planning the ceremony',
        'The ceremony could not be planned',
        () => call('planCeremony', request),
        true,
      );
      if (!view) return false;
      set({ open: view, bundleChecks: {}, transcript: { state: 'idle' }, script: { state: 'idle' }, loginNotes: [] });
      return true;
    },

    openCeremony: async (id) => {
      const view = await act('Opening the ceremony', 'The ceremony could not be opened', () =>
        call('getCeremony', { id }),
      );
      if (view)
        set({ open: view, bundleChecks: {}, transcript: { state: 'idle' }, script: { state: 'idle' }, loginNotes: [] });
    },

    close: () => {
      set({
        open: undefined,
        error: undefined,
        bundleChecks: {},
        transcript: { state: 'idle' },
        script: { state: 'idle' },
      });
      void get().loadList();
    },

    checkIn: async (officer, passphrase) => {
      const view = await act(`Checking in ${officer}`, `${officer} could not check in`, () =>
        call('checkInOfficer', { id: openId(), officer, passphrase }),
      );
      show(view);
      return view !== undefined;
    },

    approve: async (step, officer, passphrase) => {
      const view = await act(`Recording ${officer}'s approval`, `${officer}'s approval was not accepted`, () =>
        call('approveCeremonyStep', { id: openId(), step, officer, passphrase }),
      );
      show(view);
      return view !== undefined;
    },

    runNext: async (inputs) => {
      const open = get().open;
      const next = open?.status.steps.find((s) => s.state !== 'done');
      const description = next ? open?.status.plan.steps[next.index]?.description : undefined;
      const view = await act(
        next ? `Step ${next.index + 1}: ${description ?? ''}` : 'Running the step',
        next ? `Step ${next.index + 1} did not complete` : 'The step did not run',
        () => call('runCeremonyStep', { id: openId(), inputs }),
      );
      show(view);
      return view !== undefined;
    },

    abort: async (reason, officer, passphrase, inputs, finish) => {
      const view = await act(
        finish ? 'Aborting the ceremony and undoing its completed steps' : 'Recording the signed abort',
        'The ceremony was not aborted',
        () => call('abortCeremony', { id: openId(), reason, officer, passphrase, inputs, finish }),
      );
      show(view);
      return view !== undefined;
    },

    verifyBundle: async (folder) => {
      set((s) => ({ bundleChecks: { ...s.bundleChecks, [folder]: { state: 'loading' } } }));
      const result = await call('verifyBundleOnDrive', { folder });
      set((s) => ({ bundleChecks: { ...s.bundleChecks, [folder]: loaded(result) } }));
    },

    writeTranscript: async (folder) => {
      set({ transcript: { state: 'loading' } });
      set({ transcript: loaded(await call('writeCeremonyTranscript', { id: openId(), folder })) });
    },

    writeScript: async (folder) => {
      set({ script: { state: 'loading' } });
      set({ script: loaded(await call('writeCeremonyScript', { id: openId(), folder })) });
    },

    dismissError: () => set({ error: undefined }),

    requested: undefined,
    request: (type) => set({ requested: type }),
  };
});

/** Opens the Ceremonies screen on the form of one ceremony type. */
export function useStartCeremony(): (type: string) => void {
  const show = useApp((s) => s.show);
  const request = useCeremony((s) => s.request);
  return (type) => {
    request(type);
    show('ceremonies');
  };
}
