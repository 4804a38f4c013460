import { useEffect, useState, type ReactNode } from 'react';
import { ceremonyTypes } from '../../shared/ceremony-types';
import { cmkSpecs } from '../../shared/keys';
import { officerRoles } from '../../shared/officers';
import { providerIds, providerNames, wrapAlgorithms, type ProviderId } from '../../shared/providers';
import { roleLabels } from '../format';
import { useApp } from '../store';
import { ceremonyChoices, providerFields, type FormType } from './ceremony-types';
import { DrivePicker } from './DrivePicker';
import { useCeremony } from './store';

type Fields = Record<string, string>;

function Text({
  id,
  label,
  value,
  onChange,
  hint,
  type = 'text',
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  hint?: string;
  type?: string;
}) {
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="wide"
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

function Choice({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (v: string) => void;
}) {
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

const numberOr = (text: string, fallback: number): number => (/^\d+$/.test(text.trim()) ? Number(text) : fallback);

/** A key version as an option value, and back. */
const versionValue = (name: string, version: number): string => JSON.stringify([name, version]);
function versionOf(value: string | undefined): { name: string; version: number } {
  try {
    const [name, version] = JSON.parse(value ?? '') as unknown[];
    return { name: typeof name === 'string' ? name : '', version: typeof version === 'number' ? version : 0 };
  } catch {
    return { name: '', version: 0 };
  }
}

/** The plan object the main process validates exactly as it validates a plan file. */
function buildPlan(
  type: FormType,
  f: Fields,
  present: string[],
  lists: { versions: string[]; shareDrives: string[] },
): Record<string, unknown> {
  const keyVersion = () => versionOf(f.keyVersion);
  const providerPart = () => ({
    provider: f.provider,
    files: { wrappingKey: f.wrappingKeyFile ?? '', ...(f.importTokenFile ? { importToken: f.importTokenFile } : {}) },
    fields: Object.fromEntries(
      providerFields[(f.provider ?? 'generic') as ProviderId]
        .filter((p) => (f[`field.${p.name}`] ?? '').trim())
        .map((p) => [p.name, (f[`field.${p.name}`] ?? '').trim()]),
    ),
  });
  const base = { ceremony: type, officers: present };
  switch (type) {
    case 'generate-cmk':
      return {
        ...base,
        key: {
          name: f.keyName ?? '',
          purpose: f.purpose ?? '',
          provider: f.provider ? f.provider : null,
          spec: f.spec ?? 'AES_256',
          rotationDays: numberOr(f.rotationDays ?? '', 365),
        },
      };
    case 'rotate-cmk':
      return { ...base, key: { name: f.keyName ?? '' }, reason: f.reason ?? 'due' };
    case 'disable-key':
      return { ...base, key: keyVersion() };
    case 'enable-key':
      return { ...base, key: keyVersion(), state: f.state ?? 'active' };
    case 'destroy-key':
      return { ...base, key: keyVersion(), destination: { folder: f.folder ?? '' } };
    case 'import-wrapping-key':
      return { ...base, label: f.label ?? '', ...providerPart() };
    case 'export-key':
      return {
        ...base,
        key: keyVersion(),
        ...providerPart(),
        destination: { folder: f.folder ?? '', drive: f.driveLabel ?? '' },
      };
    case 'enrol-officer':
      return {
        ...base,
        officer: { id: f.officerId ?? '', name: f.officerName ?? '', role: f.role ?? 'key-custodian' },
      };
    case 'suspend-officer':
      return { ...base, officer: f.officer ?? '', change: f.change ?? 'suspend' };
    case 'remove-officer':
      return { ...base, officer: f.officer ?? '' };
    case 'change-policy':
      return {
        ...base,
        policy: {
          ceremonyType: f.ceremonyType ?? 'generate-cmk',
          quorum: numberOr(f.quorum ?? '', 2),
          roles: officerRoles.filter((r) => f[`role.${r}`] === 'yes'),
        },
      };
    case 'export-audit':
      return { ...base, file: f.folder && f.fileName ? `${f.folder}/${f.fileName}` : '' };
    case 'backup':
      return {
        ...base,
        keys: lists.versions.map(versionOf),
        threshold: numberOr(f.threshold ?? '', 2),
        package: f.folder ?? '',
        shares: lists.shareDrives,
      };
    case 'restore':
      return { ...base, package: f.packageFolder ?? '', keys: lists.versions.map(versionOf) };
    case 'change-hsm':
      return { ...base, hsm: { module: f.modulePath ?? '', token: f.tokenUri ?? '' } };
  }
}

/** Starting a ceremony: its type, the officers present, and what it acts on; or a plan file from a drive. */
export function CeremonyForm() {
  const inventory = useApp((s) => s.inventory);
  const officers = useApp((s) => s.officers);
  const loadInventory = useApp((s) => s.loadInventory);
  const loadOfficers = useApp((s) => s.loadOfficers);
  const plan = useCeremony((s) => s.plan);
  const working = useCeremony((s) => s.working);
  const requested = useCeremony((s) => s.requested);
  const request = useCeremony((s) => s.request);
  const [type, setType] = useState<FormType | 'plan-file'>(
    () => ceremonyChoices.find((c) => c.type === requested)?.type ?? 'generate-cmk',
  );
  useEffect(() => {
    if (requested) request(undefined);
  }, [requested, request]);
  const [f, setF] = useState<Fields>({
    provider: 'aws-kms',
    spec: 'AES_256',
    rotationDays: '365',
    reason: 'due',
    role: 'key-custodian',
    threshold: '2',
    quorum: '2',
    'field.algorithm': 'RSAES_OAEP_SHA_256',
  });
  const [present, setPresent] = useState<string[]>([]);
  const [versions, setVersions] = useState<string[]>([]);
  const [shareDrives, setShareDrives] = useState<string[]>([]);
  const set = (name: string) => (value: string) => setF((old) => ({ ...old, [name]: value }));

  const loadDrives = useCeremony((s) => s.loadDrives);
  useEffect(() => {
    // Read afresh each time a ceremony is started: drives come and go between ceremonies.
    void loadInventory();
    void loadOfficers();
    void loadDrives();
  }, [loadInventory, loadOfficers, loadDrives]);

  const keys = inventory.state === 'ready' ? inventory.value.keys : [];
  const allVersions = keys.flatMap((k) =>
    k.versions
      .filter((v) => v.state !== 'destroyed')
      .map((v) => ({
        value: versionValue(k.name, v.version),
        label: `${k.name} v${v.version} (${v.state}, KCV ${v.kcv.toUpperCase()})`,
      })),
  );
  const active = officers.state === 'ready' ? officers.value.officers.filter((o) => o.state !== 'removed') : [];
  const choice = ceremonyChoices.find((c) => c.type === type);
  const toggle = (list: string[], item: string, on: boolean): string[] =>
    on ? [...new Set([...list, item])] : list.filter((x) => x !== item);

  const keyVersionField = (
    <Choice
      id="key-version"
      label="Key version"
      value={f.keyVersion ?? ''}
      options={[{ value: '', label: 'Choose a key version' }, ...allVersions]}
      onChange={set('keyVersion')}
    />
  );
  const providerSection = (
    <>
      <Choice
        id="provider"
        label="Provider"
        value={f.provider ?? 'aws-kms'}
        options={providerIds.map((p) => ({ value: p, label: providerNames[p] }))}
        onChange={set('provider')}
      />
      <DrivePicker
        label="The provider's wrapping key file"
        mode="file"
        value={f.wrappingKeyFile ?? ''}
        onChange={set('wrappingKeyFile')}
      />
      {f.provider === 'aws-kms' && (
        <DrivePicker
          label="The import token file (AWS, when the wrapping key is a .bin file)"
          mode="file"
          value={f.importTokenFile ?? ''}
          onChange={set('importTokenFile')}
        />
      )}
      {providerFields[(f.provider ?? 'generic') as ProviderId].map((p) =>
        p.name === 'algorithm' ? (
          <Choice
            key={p.name}
            id={`field-${p.name}`}
            label={p.label}
            value={f[`field.${p.name}`] ?? 'RSAES_OAEP_SHA_256'}
            options={wrapAlgorithms.map((a) => ({ value: a, label: a }))}
            onChange={set(`field.${p.name}`)}
          />
        ) : (
          <Text
            key={p.name}
            id={`field-${p.name}`}
            label={p.label}
            value={f[`field.${p.name}`] ?? ''}
            onChange={set(`field.${p.name}`)}
            hint={p.hint}
          />
        ),
      )}
    </>
  );

  const sections: Record<FormType, ReactNode> = {
    'generate-cmk': (
      <>
        <Text id="key-name" label="Key name" value={f.keyName ?? ''} onChange={set('keyName')} />
        <Text
          id="purpose"
          label="Purpose"
          value={f.purpose ?? ''}
          onChange={set('purpose')}
          hint="What the key protects, for the record."
        />
        <Choice
          id="cmk-spec"
          label="Key type"
          value={f.spec ?? 'AES_256'}
          options={cmkSpecs.map((s) => ({ value: s, label: s }))}
          onChange={set('spec')}
        />
        <Choice
          id="cmk-provider"
          label="Provider"
          value={f.provider ?? ''}
          options={[
            { value: '', label: 'None yet' },
            ...providerIds.map((p) => ({ value: p, label: providerNames[p] })),
          ]}
          onChange={set('provider')}
        />
        <Text
          id="rotation-days"
          label="Rotate every (days)"
          value={f.rotationDays ?? ''}
          onChange={set('rotationDays')}
        />
      </>
    ),
    'rotate-cmk': (
      <>
        <Choice
          id="rotate-key"
          label="Key"
          value={f.keyName ?? ''}
          options={[{ value: '', label: 'Choose a key' }, ...keys.map((k) => ({ value: k.name, label: k.name }))]}
          onChange={set('keyName')}
        />
        <Choice
          id="reason"
          label="Reason"
          value={f.reason ?? 'due'}
          options={[
            { value: 'due', label: 'Rotation is due' },
            { value: 'manual', label: 'Manual rotation' },
            { value: 'forced', label: 'Forced (suspected compromise)' },
          ]}
          onChange={set('reason')}
        />
      </>
    ),
    'disable-key': keyVersionField,
    'enable-key': (
      <>
        {keyVersionField}
        <Choice
          id="enable-state"
          label="New state"
          value={f.state ?? 'active'}
          options={[
            { value: 'active', label: 'Active' },
            { value: 'decrypt-only', label: 'Decrypt only' },
          ]}
          onChange={set('state')}
        />
      </>
    ),
    'destroy-key': (
      <>
        {keyVersionField}
        <DrivePicker
          label="Drive for the signed destruction certificate"
          mode="drive"
          value={f.folder ?? ''}
          onChange={set('folder')}
        />
      </>
    ),
    'import-wrapping-key': (
      <>
        <Text
          id="wrapping-label"
          label="Label on the token"
          value={f.label ?? ''}
          onChange={set('label')}
          hint="For example: AWS import 2026-11"
        />
        {providerSection}
      </>
    ),
    'export-key': (
      <>
        {keyVersionField}
        {providerSection}
        <DrivePicker
          label="Drive for the upload bundle"
          mode="drive"
          value={f.folder ?? ''}
          onChange={(path, drive) => setF((old) => ({ ...old, folder: path, driveLabel: drive.label ?? drive.device }))}
        />
      </>
    ),
    'enrol-officer': (
      <>
        <Text
          id="officer-id"
          label="Officer name (lower case, used to sign in)"
          value={f.officerId ?? ''}
          onChange={set('officerId')}
        />
        <Text id="officer-display" label="Full name" value={f.officerName ?? ''} onChange={set('officerName')} />
        <Choice
          id="officer-role"
          label="Role"
          value={f.role ?? 'key-custodian'}
          options={officerRoles.map((r) => ({ value: r, label: roleLabels[r] }))}
          onChange={set('role')}
        />
      </>
    ),
    'suspend-officer': (
      <>
        <Choice
          id="officer-subject"
          label="Officer"
          value={f.officer ?? ''}
          options={[
            { value: '', label: 'Choose an officer' },
            ...active.map((o) => ({ value: o.id, label: `${o.displayName} (${o.id}, ${o.state})` })),
          ]}
          onChange={set('officer')}
        />
        <Choice
          id="officer-change"
          label="Change"
          value={f.change ?? 'suspend'}
          options={[
            { value: 'suspend', label: 'Suspend' },
            { value: 'reinstate', label: 'Reinstate' },
            { value: 'unlock', label: 'Unlock after wrong passphrases' },
          ]}
          onChange={set('change')}
        />
      </>
    ),
    'remove-officer': (
      <Choice
        id="officer-remove"
        label="Officer"
        value={f.officer ?? ''}
        options={[
          { value: '', label: 'Choose an officer' },
          ...active.map((o) => ({ value: o.id, label: `${o.displayName} (${o.id})` })),
        ]}
        onChange={set('officer')}
      />
    ),
    'change-policy': (
      <>
        <Choice
          id="policy-type"
          label="Ceremony type"
          value={f.ceremonyType ?? 'generate-cmk'}
          options={ceremonyTypes.map((t) => ({ value: t, label: t }))}
          onChange={set('ceremonyType')}
        />
        <Text
          id="policy-quorum"
          label="Approvals needed"
          value={f.quorum ?? ''}
          onChange={set('quorum')}
          hint="Never fewer than two for a ceremony touching a key or the officers."
        />
        <fieldset>
          <legend>Roles whose approvals count</legend>
          {officerRoles.map((r) => (
            <label key={r} className="choice">
              <input
                type="checkbox"
                checked={f[`role.${r}`] === 'yes'}
                onChange={(event) => set(`role.${r}`)(event.target.checked ? 'yes' : '')}
              />
              {roleLabels[r]}
            </label>
          ))}
        </fieldset>
      </>
    ),
    'change-hsm': (
      <>
        <Text
          id="hsm-module"
          label="PKCS#11 module file"
          value={f.modulePath ?? ''}
          onChange={set('modulePath')}
          hint="Installed by the HSM vendor's package in a system folder (for example /usr/lib/vendor/libvendorpkcs11.so); its SHA-256 is shown in the plan."
        />
        <Text
          id="hsm-token"
          label="Token address (PKCS#11 URI)"
          value={f.tokenUri ?? ''}
          onChange={set('tokenUri')}
          hint="The token that holds this workstation's signing key, e.g. pkcs11:token=CMK%20HSM;serial=1234."
        />
      </>
    ),
    'export-audit': (
      <>
        <DrivePicker
          label="Drive for the signed audit export"
          mode="drive"
          value={f.folder ?? ''}
          onChange={set('folder')}
        />
        <Text
          id="export-file"
          label="File name"
          value={f.fileName ?? ''}
          onChange={set('fileName')}
          hint="For example: audit-2026-11.jsonl (the signature and certificate are written beside it)."
        />
      </>
    ),
    backup: (
      <>
        <fieldset>
          <legend>Key versions to back up</legend>
          {allVersions.map((v) => (
            <label key={v.value} className="choice">
              <input
                type="checkbox"
                checked={versions.includes(v.value)}
                onChange={(event) => setVersions((old) => toggle(old, v.value, event.target.checked))}
              />
              {v.label}
            </label>
          ))}
        </fieldset>
        <Text
          id="backup-threshold"
          label="Shares needed to restore"
          value={f.threshold ?? ''}
          onChange={set('threshold')}
        />
        <DrivePicker
          label="Drive for the backup package"
          mode="drive"
          value={f.folder ?? ''}
          onChange={set('folder')}
        />
        <DrivePickerMany label="One drive per custodian's share" value={shareDrives} onChange={setShareDrives} />
      </>
    ),
    restore: (
      <>
        <DrivePicker
          label="The backup package folder"
          mode="folder"
          value={f.packageFolder ?? ''}
          onChange={set('packageFolder')}
        />
        <fieldset>
          <legend>Key versions to restore</legend>
          {keys.flatMap((k) =>
            k.versions.map((v) => {
              const value = versionValue(k.name, v.version);
              return (
                <label key={value} className="choice">
                  <input
                    type="checkbox"
                    checked={versions.includes(value)}
                    onChange={(event) => setVersions((old) => toggle(old, value, event.target.checked))}
                  />
                  {k.name} v{v.version} ({v.state})
                </label>
              );
            }),
          )}
        </fieldset>
      </>
    ),
  };

  return (
    <section className="card" aria-labelledby="start-heading">
      <h2 id="start-heading">Start a ceremony</h2>
      <form
        className="ceremony-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (type === 'plan-file') void plan({ planFile: f.planFile ?? '' });
          else void plan({ plan: buildPlan(type, f, present, { versions, shareDrives }) });
        }}
      >
        <Choice
          id="ceremony-type"
          label="Ceremony"
          value={type}
          options={[
            ...ceremonyChoices.map((c) => ({ value: c.type, label: c.title })),
            { value: 'plan-file', label: 'Run a plan file from a drive' },
          ]}
          onChange={(v) => setType(v as FormType | 'plan-file')}
        />
        <p className="hint">
          {choice?.description ??
            'A plan file (YAML, see docs/ceremonies) on a drive; the files it names must be on drives too.'}
        </p>
        {type === 'plan-file' ? (
          <DrivePicker label="The plan file" mode="file" value={f.planFile ?? ''} onChange={set('planFile')} />
        ) : (
          <>
            <fieldset>
              <legend>Officers present</legend>
              {active.map((o) => (
                <label key={o.id} className="choice">
                  <input
                    type="checkbox"
                    checked={present.includes(o.id)}
                    onChange={(event) => setPresent((old) => toggle(old, o.id, event.target.checked))}
                  />
                  {o.displayName} ({o.id}, {roleLabels[o.role]})
                </label>
              ))}
            </fieldset>
            {sections[type]}
          </>
        )}
        <div>
          <button type="submit" className="primary" disabled={working !== undefined}>
            Plan the ceremony
          </button>
        </div>
      </form>
    </section>
  );
}

/** Several drives, one per custodian (a backup's shares). */
function DrivePickerMany({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string[];
  onChange: (paths: string[]) => void;
}) {
  const drives = useCeremony((s) => s.drives);
  return (
    <fieldset>
      <legend>{label}</legend>
      {drives.state === 'ready' &&
        drives.value
          .filter((d) => !d.readOnly)
          .map((d) => (
            <label key={d.mountPoint} className="choice">
              <input
                type="checkbox"
                checked={value.includes(d.mountPoint)}
                onChange={(event) =>
                  onChange(event.target.checked ? [...value, d.mountPoint] : value.filter((p) => p !== d.mountPoint))
                }
              />
              {d.label ?? d.device} <span className="mono">{d.mountPoint}</span>
            </label>
          ))}
    </fieldset>
  );
}
