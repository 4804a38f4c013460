import { Fragment, useEffect, useState, type ReactNode } from 'react';
import {
  fieldText,
  newWrappingKeyFile,
  planFromForm,
  shareDriveKey,
  versionValue,
  type FormField,
  type FormLists,
  type FormValues,
} from '../../shared/ceremony-forms';
import { availableValue, whyUnavailable, type ChoiceOption, type Circumstances } from '../../shared/choice-option';
import { hexGroups } from '../../shared/fingerprint';
import { cmkSpecs, type CmkSpec } from '../../shared/keys';
import { officerRoles, type OfficerRole } from '../../shared/officers';
import type { ProviderForm } from '../../shared/providers';
import { isInShareFolder } from '../../shared/share-files';
import { ErrorPanel } from '../components/ErrorPanel';
import { concerns, FieldError } from '../components/FieldError';
import { busyReason, ReasonedButton } from '../components/ReasonedButton';
import { roleLabels, utcText } from '../format';
import { openHelp } from '../help/help-store';
import { useApp } from '../store';
import { formChoices, useCatalogue } from './ceremony-types';
import { DestroyNotice } from './DestroyNotice';
import { DrivePicker } from './DrivePicker';
import { LiveDeadline } from './LiveDeadline';
import { useCeremony } from './store';

type Fields = FormValues;
type Lists = FormLists;

/** Where a field's refusal is shown, when the last plan was refused over it. */
interface FieldProblem {
  id: string;
  node: ReactNode;
}

const describedBy = (...ids: (string | false | undefined)[]): string | undefined =>
  ids.filter(Boolean).join(' ') || undefined;

function Text({
  id,
  label,
  value,
  onChange,
  hint,
  problem,
  type = 'text',
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  hint?: string | undefined;
  problem?: FieldProblem | undefined;
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
        aria-invalid={problem ? true : undefined}
        aria-describedby={describedBy(hint && `${id}-hint`, problem?.id)}
      />
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {problem?.node}
    </div>
  );
}

/**
 * One of several options. Those the token or the provider cannot serve here are shown disabled, each
 * with why, and the value falls back to the first that can be served (see shared/choice-option.ts).
 */
function Choice({
  id,
  label,
  value,
  options,
  onChange,
  hint,
  problem,
  circumstances = {},
}: {
  id: string;
  label: string;
  value: string;
  options: ChoiceOption[];
  onChange: (v: string) => void;
  hint?: string | undefined;
  problem?: FieldProblem | undefined;
  circumstances?: Circumstances;
}) {
  const unavailable = options.flatMap((o) => {
    const why = whyUnavailable(o, circumstances);
    return why ? [{ option: o, why }] : [];
  });
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={availableValue(options, value, circumstances)}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={problem ? true : undefined}
        aria-describedby={describedBy(hint && `${id}-hint`, unavailable.length > 0 && `${id}-unavailable`, problem?.id)}
      >
        {options.map((o) => {
          const off = unavailable.some((u) => u.option === o);
          return (
            <option key={o.value} value={o.value} disabled={off}>
              {o.label}
              {off ? ' (not possible here)' : ''}
            </option>
          );
        })}
      </select>
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {unavailable.length > 0 && (
        <div id={`${id}-unavailable`} className="hint">
          Not offered here:
          <ul className="unavailable" aria-label="Options not offered here">
            {unavailable.map(({ option, why }) => (
              <li key={option.value}>
                {option.label}: {why}
              </li>
            ))}
          </ul>
        </div>
      )}
      {problem?.node}
    </div>
  );
}

/** Starting a ceremony: its type, the officers present, and what it acts on; or a plan file from a drive. */
export function CeremonyForm() {
  const inventory = useApp((s) => s.inventory);
  const officers = useApp((s) => s.officers);
  const sheet = useApp((s) => s.tokenSheet);
  const loadInventory = useApp((s) => s.loadInventory);
  const loadOfficers = useApp((s) => s.loadOfficers);
  const loadTokenSheet = useApp((s) => s.loadTokenSheet);
  const plan = useCeremony((s) => s.plan);
  const working = useCeremony((s) => s.working);
  const error = useCeremony((s) => s.error);
  const dismissError = useCeremony((s) => s.dismissError);
  const requested = useCeremony((s) => s.requested);
  const request = useCeremony((s) => s.request);
  const catalogue = useCatalogue();
  const choices = formChoices(catalogue);
  const [chosen, setType] = useState<string | undefined>(requested);
  // Until chosen, the one requested (e.g. from the rotation list), or the first the catalogue lists.
  const type = chosen && (chosen === 'plan-file' || choices.some((c) => c.type === chosen)) ? chosen : choices[0]?.type;
  useEffect(() => {
    if (requested) request(undefined);
  }, [requested, request]);
  const [f, setF] = useState<Fields>({});
  const [present, setPresent] = useState<string[]>([]);
  const [lists, setLists] = useState<Lists>({});
  const formError = error?.form ? error : undefined;
  /** Any change to what was refused clears the refusal: it was about the values as they were. */
  const changed = () => {
    if (formError) dismissError();
  };
  const set = (name: string) => (value: string) => {
    changed();
    setF((old) => ({ ...old, [name]: value }));
  };

  const loadDrives = useCeremony((s) => s.loadDrives);
  useEffect(() => {
    // Read afresh each time a ceremony is started: drives come and go between ceremonies.
    void loadInventory();
    void loadOfficers();
    void loadDrives();
    void loadTokenSheet();
  }, [loadInventory, loadOfficers, loadDrives, loadTokenSheet]);

  const keys = inventory.state === 'ready' ? inventory.value.keys : [];
  const versionsOf = (include: 'not-destroyed' | 'all') =>
    keys.flatMap((k) =>
      k.versions
        .filter((v) => include === 'all' || v.state !== 'destroyed')
        .map((v) => ({ value: versionValue(k.name, v.version), key: k, version: v })),
    );
  const allVersions = versionsOf('not-destroyed').map(({ value, key, version }) => ({
    value,
    label: `${key.name} v${version.version} (${version.state}, KCV ${version.kcv.toUpperCase()})`,
  }));
  const active = officers.state === 'ready' ? officers.value.officers.filter((o) => o.state !== 'removed') : [];
  const choice = choices.find((c) => c.type === type);
  const form = type === 'plan-file' ? [] : (choice?.form ?? []);
  // A form that destroys a key takes a distinct, danger-styled action.
  const destroys = form.some((field) => field.kind === 'destroy-confirmation');
  const toggle = (list: string[], item: string, on: boolean): string[] =>
    on ? [...new Set([...list, item])] : list.filter((x) => x !== item);

  // What the options are judged against: the token's sheet, and the key the ceremony acts on (its type, its provider).
  const capabilities = sheet.state === 'ready' ? sheet.value.capabilities : undefined;
  const versionField = form.find((field) => field.kind === 'key-version');
  const chosenVersion = versionField
    ? versionsOf('not-destroyed').find((v) => v.value === f[versionField.path])
    : undefined;
  const chosenKey = chosenVersion?.key;
  const asSpec = (value: string | undefined): CmkSpec | undefined => cmkSpecs.find((s) => s === value);

  /** The provider's wrapping keys already on the token, usable for an export. */
  const wrappingKeysOnToken = (provider: string | undefined) =>
    inventory.state === 'ready'
      ? inventory.value.wrappingKeys.filter((k) => k.provider === provider && k.state === 'active')
      : [];

  // The values as the form shows them and the plan gets them: a choice the token or provider cannot serve
  // falls back to the first that can, so the default is always doable.
  const shown: Fields = { ...f };
  for (const field of form) {
    if (field.kind === 'choice') {
      const spec = field.specFrom ? asSpec(shown[field.specFrom]) : chosenKey?.spec;
      shown[field.path] = availableValue(field.options, f[field.path] ?? field.initial, { capabilities, spec });
    }
    if (field.kind === 'provider') {
      const spec = chosenKey?.spec;
      const provider = field.providers.find(
        (p) =>
          p.id ===
          availableValue(providerOptionsOf(field.providers), f.provider ?? chosenKey?.provider ?? '', { spec }),
      );
      if (!provider) continue;
      shown.provider = provider.id;
      // An export offers the provider's wrapping keys already on the token first: no file to read again.
      if (field.imported) {
        const onToken = wrappingKeysOnToken(provider.id);
        const kept = onToken.find((k) => k.fingerprint === f.wrappingKey)?.fingerprint;
        shown.wrappingKey =
          f.wrappingKey === newWrappingKeyFile
            ? newWrappingKeyFile
            : (kept ?? onToken[0]?.fingerprint ?? newWrappingKeyFile);
      }
      for (const p of provider.fields)
        if (p.options)
          shown[`field.${p.name}`] = availableValue(p.options, f[`field.${p.name}`] ?? p.options[0]?.value ?? '', {
            capabilities,
            spec,
          });
    }
  }

  // A refusal about one value is shown at its field; any other at the Plan button.
  const refusedField = formError?.error.field;
  const renderedPaths = form.flatMap((field): string[] => {
    if (field.kind === 'provider') return ['provider', 'files', 'fields'];
    return 'path' in field ? [field.path] : [];
  });
  const claimed =
    type !== 'plan-file' &&
    (concerns('officers', refusedField) || renderedPaths.some((p) => concerns(p, refusedField)));
  const problemAt = (path: string): FieldProblem | undefined =>
    formError && concerns(path, refusedField)
      ? {
          id: 'form-problem',
          node: <FieldError id="form-problem" title={formError.title} error={formError.error} />,
        }
      : undefined;

  /** The provider chosen, and the fields it declares (a choice, or typed text). */
  const providerSection = (providers: ProviderForm[], imported: boolean) => {
    const provider = providers.find((p) => p.id === shown.provider) ?? providers[0];
    const spec = chosenKey?.spec;
    const onToken = imported ? wrappingKeysOnToken(provider?.id) : [];
    const wrappingKey = shown.wrappingKey ?? newWrappingKeyFile;
    const fromToken = imported && wrappingKey !== newWrappingKeyFile;
    return (
      <>
        <Choice
          id="provider"
          label="Provider"
          value={provider?.id ?? ''}
          options={providerOptionsOf(providers)}
          onChange={set('provider')}
          circumstances={{ spec }}
          problem={problemAt('provider')}
          {...(chosenKey?.provider
            ? { hint: `${chosenKey.name} was generated for ${providerNameOf(providers, chosenKey.provider)}.` }
            : {})}
        />
        {imported && (
          <Choice
            id="wrapping-key"
            label="Wrapping key"
            value={wrappingKey}
            options={[
              ...onToken.map((k) => ({
                value: k.fingerprint,
                label: `"${k.label}" on the token, fingerprint ${hexGroups(k.fingerprint.slice(0, 8))}…, ${k.providerDeadline ? `deadline ${utcText(k.providerDeadline)}` : 'no deadline'}`,
              })),
              { value: newWrappingKeyFile, label: "Read the provider's wrapping key file from a drive" },
            ]}
            onChange={set('wrappingKey')}
            hint={
              fromToken
                ? 'Its import ceremony compared its fingerprint with the provider; the algorithm, import token and target it was imported with are used.'
                : onToken.length === 0
                  ? `No ${provider?.name ?? 'provider'} wrapping key is on the token yet: read its file from a drive.`
                  : undefined
            }
            problem={problemAt('wrappingKey')}
          />
        )}
        {fromToken && (
          <p className="hint">
            <LiveDeadline deadline={onToken.find((k) => k.fingerprint === wrappingKey)?.providerDeadline ?? null} />
          </p>
        )}
        {!fromToken && (
          <>
            <DrivePicker
              label="The provider's wrapping key file"
              mode="file"
              value={f.wrappingKeyFile ?? ''}
              onChange={set('wrappingKeyFile')}
              offers={(e) => !isInShareFolder(e.path)}
            >
              {problemAt('files.wrappingKey')?.node}
            </DrivePicker>
            {provider?.importTokenFile && (
              <DrivePicker
                label={provider.importTokenFile}
                mode="file"
                value={f.importTokenFile ?? ''}
                onChange={set('importTokenFile')}
                offers={(e) => !isInShareFolder(e.path)}
              >
                {problemAt('files.importToken')?.node}
              </DrivePicker>
            )}
            {provider?.fields.map((p) =>
              p.options ? (
                <Choice
                  key={p.name}
                  id={`field-${p.name}`}
                  label={p.label}
                  value={shown[`field.${p.name}`] ?? ''}
                  options={p.options}
                  onChange={set(`field.${p.name}`)}
                  hint={p.hint}
                  circumstances={{ capabilities, spec }}
                  problem={problemAt(`fields.${p.name}`)}
                />
              ) : (
                <Text
                  key={p.name}
                  id={`field-${p.name}`}
                  label={p.label}
                  value={f[`field.${p.name}`] ?? ''}
                  onChange={set(`field.${p.name}`)}
                  hint={p.hint}
                  problem={problemAt(`fields.${p.name}`)}
                />
              ),
            )}
            {/* A refusal of the provider's parameters as a whole (not one field's): at the provider's section. */}
            {!provider?.fields.some((p) => concerns(`fields.${p.name}`, refusedField)) && problemAt('fields')?.node}
          </>
        )}
      </>
    );
  };

  const list = (path: string): string[] => lists[path] ?? [];
  const setList = (path: string, next: (old: string[]) => string[]) => {
    changed();
    setLists((old) => ({ ...old, [path]: next(old[path] ?? []) }));
  };
  /** Several of a list, as checkboxes under a legend (key versions, roles): the plan gets the values ticked. */
  const checkboxGroup = (path: string, legend: string, items: { value: string; label: ReactNode }[]) => (
    <fieldset key={path}>
      <legend>{legend}</legend>
      {items.map((item) => (
        <label key={item.value} className="choice">
          <input
            type="checkbox"
            checked={list(path).includes(item.value)}
            onChange={(event) => setList(path, (old) => toggle(old, item.value, event.target.checked))}
          />
          {item.label}
        </label>
      ))}
      {problemAt(path)?.node}
    </fieldset>
  );

  /** A field chosen from a list: what it is called, and its options (the first, empty, one asks to choose). */
  const choiceOf = (
    field: FormField,
  ): { id: string; label: string; initial: string; options: ChoiceOption[] } | null => {
    switch (field.kind) {
      case 'choice':
        return { id: field.id, label: field.label, initial: field.initial, options: field.options };
      case 'key':
        return {
          id: field.id,
          label: field.label,
          initial: '',
          options: [{ value: '', label: 'Choose a key' }, ...keys.map((k) => ({ value: k.name, label: k.name }))],
        };
      case 'key-version':
        return {
          id: 'key-version',
          label: 'Key version',
          initial: '',
          options: [{ value: '', label: 'Choose a key version' }, ...allVersions],
        };
      case 'officer':
        return {
          id: field.id,
          label: field.label,
          initial: '',
          options: [
            { value: '', label: 'Choose an officer' },
            ...active.map((o) => ({
              value: o.id,
              label: field.showState ? `${o.displayName} (${o.id}, ${o.state})` : `${o.displayName} (${o.id})`,
            })),
          ],
        };
      case 'ceremony-type':
        return {
          id: field.id,
          label: field.label,
          initial: field.initial,
          options: catalogue.state === 'ready' ? catalogue.value.map((c) => ({ value: c.type, label: c.type })) : [],
        };
      default:
        return null;
    }
  };

  /** One field of the type's form, as its declaration lists it (src/shared/ceremony-forms.ts for the kinds). */
  const fieldOf = (field: FormField): ReactNode => {
    const choice = choiceOf(field);
    if (choice && 'path' in field)
      return (
        <Choice
          key={field.path}
          id={choice.id}
          label={choice.label}
          value={shown[field.path] ?? choice.initial}
          options={choice.options}
          onChange={set(field.path)}
          problem={problemAt(field.path)}
          circumstances={{
            capabilities,
            spec: field.kind === 'choice' && field.specFrom ? asSpec(shown[field.specFrom]) : chosenKey?.spec,
          }}
        />
      );
    switch (field.kind) {
      case 'text':
        return (
          <Text
            key={field.path}
            id={field.id}
            label={field.label}
            value={fieldText(field, f)}
            onChange={set(field.path)}
            hint={field.hint}
            problem={problemAt(field.path)}
          />
        );
      case 'variables': {
        const problem = problemAt(field.path);
        return (
          <div className="form-field" key={field.path}>
            <label htmlFor={field.id}>{field.label}</label>
            <textarea
              id={field.id}
              className="mono wide"
              rows={3}
              value={f[field.path] ?? ''}
              onChange={(event) => set(field.path)(event.target.value)}
              aria-invalid={problem ? true : undefined}
              aria-describedby={describedBy(`${field.id}-hint`, problem?.id)}
              spellCheck={false}
            />
            <span id={`${field.id}-hint`} className="hint">
              {field.hint}
            </span>
            {problem?.node}
          </div>
        );
      }
      case 'key-versions':
        return checkboxGroup(
          field.path,
          field.legend,
          field.include === 'all'
            ? versionsOf('all').map(({ value, key, version }) => ({
                value,
                label: `${key.name} v${version.version} (${version.state})`,
              }))
            : allVersions,
        );
      case 'roles':
        return checkboxGroup(
          field.path,
          field.legend,
          officerRoles.map((r) => ({ value: r, label: roleLabels[r] })),
        );
      case 'drive':
        return (
          <DrivePicker
            key={field.path}
            label={field.label}
            mode="drive"
            value={f[field.path] ?? ''}
            onChange={(path, drive) => {
              changed();
              setF((old) => ({
                ...old,
                [field.path]: path,
                ...(field.drivePath ? { [field.drivePath]: drive.label ?? drive.device } : {}),
              }));
            }}
          >
            {problemAt(field.path)?.node}
          </DrivePicker>
        );
      case 'folder':
        return (
          <DrivePicker
            key={field.path}
            label={field.label}
            mode="folder"
            value={f[field.path] ?? ''}
            onChange={set(field.path)}
          >
            {problemAt(field.path)?.node}
          </DrivePicker>
        );
      case 'file-on-drive':
        return (
          <Fragment key={field.path}>
            <DrivePicker
              label={field.label}
              mode="drive"
              value={f[`${field.path}.drive`] ?? ''}
              onChange={set(`${field.path}.drive`)}
            />
            <Text
              id={field.id}
              label={field.nameLabel}
              value={f[`${field.path}.name`] ?? ''}
              onChange={set(`${field.path}.name`)}
              hint={field.hint}
              problem={problemAt(field.path)}
            />
          </Fragment>
        );
      case 'share-holders':
        return (
          <ShareHolders
            key={field.path}
            legend={field.legend}
            custodians={active.filter(
              (o) => o.state === 'active' && present.includes(o.id) && field.roles.includes(o.role),
            )}
            driveOf={(custodian) => f[shareDriveKey(field.path, custodian)] ?? ''}
            onChange={(custodian, drive) => set(shareDriveKey(field.path, custodian))(drive)}
          >
            {problemAt(field.path)?.node}
          </ShareHolders>
        );
      case 'provider':
        return <Fragment key="provider">{providerSection(field.providers, field.imported === true)}</Fragment>;
      case 'destroy-confirmation':
        return (
          <DestroyNotice
            key={field.path}
            inventory={inventory.state === 'ready' ? inventory.value : undefined}
            chosen={
              chosenVersion ? { name: chosenVersion.key.name, version: chosenVersion.version.version } : undefined
            }
            confirm={f[field.path] ?? ''}
            onConfirm={set(field.path)}
            problem={problemAt(field.path)}
          />
        );
    }
  };

  if (catalogue.state === 'failed')
    return (
      <section className="card" aria-labelledby="start-heading">
        <h2 id="start-heading">Start a ceremony</h2>
        <ErrorPanel title="The ceremony types could not be read" error={catalogue.error} />
      </section>
    );
  if (!type) return null;
  return (
    <section className="card" aria-labelledby="start-heading">
      <h2 id="start-heading">Start a ceremony</h2>
      <form
        className="ceremony-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (type === 'plan-file') void plan({ planFile: f.planFile ?? '' });
          else if (choice) void plan({ plan: planFromForm(type, choice.form, shown, present, lists) });
        }}
      >
        <Choice
          id="ceremony-type"
          label="Ceremony"
          value={type}
          options={[
            ...choices.map((c) => ({ value: c.type, label: c.title })),
            { value: 'plan-file', label: 'Run a plan file from a drive' },
          ]}
          onChange={(next) => {
            changed();
            setType(next);
          }}
        />
        <p className="hint">
          {choice?.description ?? 'A plan file (YAML) on a drive; the files it names must be on drives too.'}
          {type === 'plan-file' && (
            <>
              {' '}
              <button type="button" className="link-button" onClick={() => openHelp({ section: 'plans' })}>
                Example plan files (Help)
              </button>
            </>
          )}
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
                    onChange={(event) => {
                      changed();
                      setPresent((old) => toggle(old, o.id, event.target.checked));
                    }}
                  />
                  {o.displayName} ({o.id}, {roleLabels[o.role]})
                </label>
              ))}
              {problemAt('officers')?.node}
            </fieldset>
            {form.map(fieldOf)}
          </>
        )}
        <div className="form-actions">
          <ReasonedButton
            type="submit"
            className={destroys ? 'danger' : 'primary'}
            whyDisabled={busyReason(working)}
            aria-describedby={formError && !claimed ? 'form-problem' : undefined}
          >
            {destroys ? 'Plan the destruction' : 'Plan the ceremony'}
          </ReasonedButton>
          {formError && !claimed && <FieldError id="form-problem" title={formError.title} error={formError.error} />}
        </div>
      </form>
    </section>
  );
}

/** The providers as options, each with the key types it never imports. */
const providerOptionsOf = (providers: ProviderForm[]): ChoiceOption[] =>
  providers.map((p) => ({ value: p.id, label: p.name, refusedFor: p.refusedFor }));

const providerNameOf = (providers: ProviderForm[], id: string): string =>
  providers.find((p) => p.id === id)?.name ?? id;

/**
 * A backup's shares, person by person: each officer present who may hold a share gets a drive, or none.
 * A drive already given to one custodian is not offered to another.
 */
function ShareHolders({
  legend,
  custodians,
  driveOf,
  onChange,
  children,
}: {
  legend: string;
  custodians: { id: string; displayName: string; role: OfficerRole }[];
  driveOf: (custodian: string) => string;
  onChange: (custodian: string, drive: string) => void;
  children?: ReactNode;
}) {
  const drives = useCeremony((s) => s.drives);
  const writable = drives.state === 'ready' ? drives.value.filter((d) => !d.readOnly) : [];
  const holders = custodians.filter((c) => driveOf(c.id));
  return (
    <fieldset>
      <legend>{legend}</legend>
      <p className="hint" id="share-holders-hint">
        {custodians.length === 0
          ? 'Tick the officers present first: a share goes only to a key custodian or security officer who is here to take it.'
          : `${holders.length} share${holders.length === 1 ? '' : 's'} so far, one per custodian given a drive. Each custodian takes their own drive away at the end.`}
      </p>
      {custodians.map((c) => {
        const taken = new Set(custodians.filter((o) => o.id !== c.id).map((o) => driveOf(o.id)));
        return (
          <Choice
            key={c.id}
            id={`share-drive-${c.id}`}
            label={`Drive for ${c.displayName}'s share (${c.id}, ${roleLabels[c.role]})`}
            value={driveOf(c.id)}
            options={[
              { value: '', label: 'No share for this officer' },
              ...writable
                .filter((d) => !taken.has(d.mountPoint))
                .map((d) => ({ value: d.mountPoint, label: `${d.label ?? d.device} (${d.mountPoint})` })),
            ]}
            onChange={(drive) => onChange(c.id, drive)}
          />
        );
      })}
      {children}
    </fieldset>
  );
}
