import { Fragment, useEffect, useState, type ReactNode } from 'react';
import {
  planFromForm,
  versionValue,
  type ChoiceOption,
  type FormField,
  type FormLists,
  type FormValues,
} from '../../shared/ceremony-forms';
import { officerRoles } from '../../shared/officers';
import type { ProviderForm } from '../../shared/providers';
import { ErrorPanel } from '../components/ErrorPanel';
import { roleLabels } from '../format';
import { useApp } from '../store';
import { formChoices, useCatalogue } from './ceremony-types';
import { DrivePicker } from './DrivePicker';
import { useCeremony } from './store';

type Fields = FormValues;
type Lists = FormLists;

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
  hint,
}: {
  id: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (v: string) => void;
  hint?: string | undefined;
}) {
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
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
  const catalogue = useCatalogue();
  const choices = formChoices(catalogue);
  const [chosen, setType] = useState<string | undefined>(requested);
  // Until chosen, the one requested (e.g. from the rotation list), or the first the catalogue lists.
  const type = chosen && (chosen === 'plan-file' || choices.some((c) => c.type === chosen)) ? chosen : choices[0]?.type;
  useEffect(() => {
    if (requested) request(undefined);
  }, [requested, request]);
  const [f, setF] = useState<Fields>({ provider: 'aws-kms' });
  const [present, setPresent] = useState<string[]>([]);
  const [lists, setLists] = useState<Lists>({});
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
  const choice = choices.find((c) => c.type === type);
  const toggle = (list: string[], item: string, on: boolean): string[] =>
    on ? [...new Set([...list, item])] : list.filter((x) => x !== item);

  /** The provider chosen, and the fields it declares (a choice, or typed text). */
  const providerSection = (providers: ProviderForm[]) => {
    const provider = providers.find((p) => p.id === f.provider) ?? providers[0];
    return (
      <>
        <Choice
          id="provider"
          label="Provider"
          value={provider?.id ?? ''}
          options={providers.map((p) => ({ value: p.id, label: p.name }))}
          onChange={set('provider')}
        />
        <DrivePicker
          label="The provider's wrapping key file"
          mode="file"
          value={f.wrappingKeyFile ?? ''}
          onChange={set('wrappingKeyFile')}
        />
        {provider?.importTokenFile && (
          <DrivePicker
            label={provider.importTokenFile}
            mode="file"
            value={f.importTokenFile ?? ''}
            onChange={set('importTokenFile')}
          />
        )}
        {provider?.fields.map((p) =>
          p.options ? (
            <Choice
              key={p.name}
              id={`field-${p.name}`}
              label={p.label}
              value={f[`field.${p.name}`] ?? p.options[0]?.value ?? ''}
              options={p.options}
              onChange={set(`field.${p.name}`)}
              hint={p.hint}
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
  };

  const list = (path: string): string[] => lists[path] ?? [];
  const setList = (path: string, next: (old: string[]) => string[]) =>
    setLists((old) => ({ ...old, [path]: next(old[path] ?? []) }));
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
          value={f[field.path] ?? choice.initial}
          options={choice.options}
          onChange={set(field.path)}
        />
      );
    switch (field.kind) {
      case 'text':
        return (
          <Text
            key={field.path}
            id={field.id}
            label={field.label}
            value={f[field.path] ?? field.initial ?? ''}
            onChange={set(field.path)}
            hint={field.hint}
          />
        );
      case 'variables':
        return (
          <div className="form-field" key={field.path}>
            <label htmlFor={field.id}>{field.label}</label>
            <textarea
              id={field.id}
              className="mono wide"
              rows={3}
              value={f[field.path] ?? ''}
              onChange={(event) => set(field.path)(event.target.value)}
              aria-describedby={`${field.id}-hint`}
              spellCheck={false}
            />
            <span id={`${field.id}-hint`} className="hint">
              {field.hint}
            </span>
          </div>
        );
      case 'key-versions':
        return checkboxGroup(
          field.path,
          field.legend,
          field.include === 'all'
            ? keys.flatMap((k) =>
                k.versions.map((v) => ({
                  value: versionValue(k.name, v.version),
                  label: `${k.name} v${v.version} (${v.state})`,
                })),
              )
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
            onChange={(path, drive) =>
              setF((old) => ({
                ...old,
                [field.path]: path,
                ...(field.drivePath ? { [field.drivePath]: drive.label ?? drive.device } : {}),
              }))
            }
          />
        );
      case 'folder':
        return (
          <DrivePicker
            key={field.path}
            label={field.label}
            mode="folder"
            value={f[field.path] ?? ''}
            onChange={set(field.path)}
          />
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
            />
          </Fragment>
        );
      case 'drives':
        return (
          <DrivePickerMany
            key={field.path}
            label={field.legend}
            value={list(field.path)}
            onChange={(paths) => setList(field.path, () => paths)}
          />
        );
      case 'provider':
        return <Fragment key="provider">{providerSection(field.providers)}</Fragment>;
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
          else if (choice) void plan({ plan: planFromForm(type, choice.form, f, present, lists) });
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
          onChange={setType}
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
            {choice?.form.map(fieldOf)}
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
