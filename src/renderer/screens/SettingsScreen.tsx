import { useEffect, useId, useState } from 'react';
import { moduleLoadOf, variablesFromLines } from '../../shared/module-load';
import type { HsmSettings } from '../../shared/settings';
import { useStartCeremony } from '../ceremony/store';
import { ErrorPanel } from '../components/ErrorPanel';
import { ReasonedButton } from '../components/ReasonedButton';
import { useApp } from '../store';

export function SettingsScreen() {
  const settings = useApp((s) => s.settings);
  const moduleTokens = useApp((s) => s.moduleTokens);
  const saving = useApp((s) => s.saving);
  const loadSettings = useApp((s) => s.loadSettings);
  const listModuleTokens = useApp((s) => s.listModuleTokens);
  const selectHsm = useApp((s) => s.selectHsm);
  const show = useApp((s) => s.show);
  const storeStatus = useApp((s) => s.storeStatus);
  const loadStoreStatus = useApp((s) => s.loadStoreStatus);
  const startCeremony = useStartCeremony();
  // Once initialised, the HSM changes only in a ceremony the security officers approve.
  const initialised = storeStatus.state === 'ready' && storeStatus.value.signerFingerprint !== null;

  const [mode, setMode] = useState<HsmSettings['mode']>('rehearsal');
  const [modulePath, setModulePath] = useState('');
  const [tokenUri, setTokenUri] = useState('');
  const [moduleArgs, setModuleArgs] = useState('');
  const [moduleEnv, setModuleEnv] = useState('');
  const [rehearsalOnly, setRehearsalOnly] = useState(false);
  const ids = { module: useId(), token: useId(), args: useId(), env: useId(), rehearsalOnly: useId() };
  // Arguments and variables only when given: most modules take none.
  const load = moduleLoadOf({
    modulePath,
    ...(moduleArgs.trim() ? { moduleArgs: moduleArgs.trim() } : {}),
    moduleEnv: variablesFromLines(moduleEnv),
  });

  useEffect(() => {
    void loadSettings();
    void loadStoreStatus();
  }, [loadSettings, loadStoreStatus]);

  useEffect(() => {
    if (settings.state !== 'ready') return;
    setMode(settings.value.mode);
    if (settings.value.mode === 'hsm') {
      setModulePath(settings.value.modulePath);
      setTokenUri(settings.value.tokenUri);
      setModuleArgs(settings.value.moduleArgs ?? '');
      setRehearsalOnly(settings.value.rehearsalOnly === true);
      setModuleEnv(
        Object.entries(settings.value.moduleEnv ?? {})
          .map(([name, value]) => `${name}=${value}`)
          .join('\n'),
      );
    }
  }, [settings]);

  const submit = async (event: { preventDefault: () => void }) => {
    event.preventDefault();
    const chosen: HsmSettings =
      mode === 'rehearsal'
        ? { mode }
        : { mode, ...load, tokenUri, ...(rehearsalOnly ? { rehearsalOnly: true as const } : {}) };
    if (await selectHsm(chosen)) show('start');
  };

  return (
    <div className="screen">
      <h1>Settings: which HSM this workstation uses</h1>
      {settings.state === 'failed' && (
        <ErrorPanel title="The saved settings could not be read" error={settings.error} />
      )}
      <form className="card settings-form" onSubmit={(e) => void submit(e)}>
        <fieldset>
          <legend>HSM</legend>
          <label className="choice">
            <input
              type="radio"
              name="mode"
              value="rehearsal"
              checked={mode === 'rehearsal'}
              onChange={() => setMode('rehearsal')}
            />
            Rehearsal token: a SoftHSM2 token in Keyward&apos;s data folder, for practice. Everything is marked
            REHEARSAL.
          </label>
          <label className="choice">
            <input type="radio" name="mode" value="hsm" checked={mode === 'hsm'} onChange={() => setMode('hsm')} />A
            real HSM, through its vendor&apos;s PKCS#11 module.
          </label>
        </fieldset>

        {mode === 'hsm' && (
          <fieldset>
            <legend>Module and token</legend>
            <label htmlFor={ids.module}>PKCS#11 module file (from the HSM vendor&apos;s documentation)</label>
            <div className="row">
              <input
                id={ids.module}
                className="mono wide"
                value={modulePath}
                onChange={(e) => setModulePath(e.target.value)}
                placeholder="/usr/lib/vendor/libvendorpkcs11.so"
                spellCheck={false}
                autoComplete="off"
              />
              <ReasonedButton
                onClick={() => void listModuleTokens(load)}
                whyDisabled={
                  moduleTokens.state === 'loading'
                    ? 'The module is being loaded now.'
                    : !modulePath
                      ? "Give the module's path first."
                      : undefined
                }
              >
                {moduleTokens.state === 'loading' ? 'Loading the module…' : 'List its tokens'}
              </ReasonedButton>
            </div>
            <label htmlFor={ids.args}>Module arguments (only if the vendor documents arguments to C_Initialize)</label>
            <input
              id={ids.args}
              className="mono wide"
              value={moduleArgs}
              onChange={(e) => setModuleArgs(e.target.value)}
              placeholder="configdir='sql:/path' certPrefix='' keyPrefix='' secmod='secmod.db' flags="
              spellCheck={false}
              autoComplete="off"
            />
            <label htmlFor={ids.env}>
              Module variables, one NAME=VALUE per line (a vendor&apos;s configuration file)
            </label>
            <textarea
              id={ids.env}
              className="mono wide"
              rows={2}
              value={moduleEnv}
              onChange={(e) => setModuleEnv(e.target.value)}
              spellCheck={false}
            />
            <p className="hint">
              Shown in the change-hsm plan and kept in the audit log: never a PIN. Only variables that cannot load other
              code are passed to the module.
            </p>
            {moduleTokens.state === 'failed' && (
              <ErrorPanel title="The module could not be used" error={moduleTokens.error} />
            )}
            {moduleTokens.state === 'ready' && (
              <div role="group" aria-label="Tokens on this module" className="token-choices">
                {moduleTokens.value.tokens.length === 0 && (
                  <p>This module has no initialised token. Connect the HSM and list again.</p>
                )}
                {moduleTokens.value.tokens.map((t) => (
                  <label key={t.uri} className="choice">
                    <input type="radio" name="token" checked={tokenUri === t.uri} onChange={() => setTokenUri(t.uri)} />
                    <span>
                      <strong>{t.label}</strong> — {t.manufacturer} {t.model}, serial{' '}
                      <span className="mono">{t.serial}</span>
                    </span>
                  </label>
                ))}
              </div>
            )}
            <label htmlFor={ids.token}>Token address (PKCS#11 URI, RFC 7512)</label>
            <input
              id={ids.token}
              className="mono wide"
              value={tokenUri}
              onChange={(e) => setTokenUri(e.target.value)}
              placeholder="pkcs11:token=CMK%20HSM;serial=1234"
              spellCheck={false}
              autoComplete="off"
            />
            <label className="choice" htmlFor={ids.rehearsalOnly}>
              <input
                id={ids.rehearsalOnly}
                type="checkbox"
                checked={rehearsalOnly}
                onChange={(e) => setRehearsalOnly(e.target.checked)}
              />
              For rehearsals only: this token protects nothing real, and everything made with it is marked REHEARSAL. A
              token that does not enforce what Keyward relies on (its probe on Home says) can serve only this way.
            </label>
          </fieldset>
        )}

        {saving.state === 'failed' && <ErrorPanel title="The HSM was not changed" error={saving.error} />}
        {initialised ? (
          <div className="finding finding-warn" role="note">
            <p>
              This workstation is initialised: its HSM module and token change only in a ceremony that two security
              officers approve, because every PIN typed afterwards goes through the module. The plan shows the module
              file&apos;s SHA-256 to read aloud, and the token must be the one that holds the workstation key.
            </p>
            <button type="button" className="primary" onClick={() => startCeremony('change-hsm')}>
              Plan the change of HSM module…
            </button>
          </div>
        ) : (
          <div className="row">
            <ReasonedButton
              type="submit"
              className="primary"
              whyDisabled={saving.state === 'loading' && 'The token is being opened and checked now.'}
            >
              {saving.state === 'loading' ? 'Opening the token…' : 'Check the token and use it'}
            </ReasonedButton>
            <span className="hint">
              Keyward opens the token first and saves the choice only if the token can be read.
            </span>
          </div>
        )}
      </form>
    </div>
  );
}
