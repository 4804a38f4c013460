import { useEffect, useState, type ReactNode } from 'react';
import type { DriveEntry, RemovableDrive } from '../../shared/media';
import { call } from '../api';
import { ErrorPanel } from '../components/ErrorPanel';
import { bytesText } from '../format';
import { loaded, type Loadable } from '../loadable';
import { useCeremony } from './store';

interface Props {
  /** What the drive is for, e.g. "Drive for the bundle". */
  label: string;
  /** A drive to write into, a file to read from a drive, or a folder on a drive (a backup package). */
  mode: 'drive' | 'file' | 'folder';
  value: string;
  onChange: (path: string, drive: RemovableDrive) => void;
  /** Shown at the end of the group (a refusal of the value picked here). */
  children?: ReactNode;
  /** In file mode, the files worth offering (a custodian's share is never offered as a wrapping key). */
  offers?: (entry: DriveEntry) => boolean;
}

const driveName = (d: RemovableDrive): string => `${d.label ?? d.device}${d.practice ? ' (practice folder)' : ''}`;

/** Removable drives (practice folders on the rehearsal token), with free space; in file mode, the files on the chosen drive. */
export function DrivePicker({ label, mode, value, onChange, children, offers = () => true }: Props) {
  const drives = useCeremony((s) => s.drives);
  const loadDrives = useCeremony((s) => s.loadDrives);
  const [entries, setEntries] = useState<Loadable<DriveEntry[]>>({ state: 'idle' });
  const [browsing, setBrowsing] = useState<RemovableDrive | undefined>();
  const name = label.replace(/\W+/g, '-').toLowerCase();

  useEffect(() => {
    if (drives.state === 'idle') void loadDrives();
  }, [drives.state, loadDrives]);

  const browse = async (drive: RemovableDrive) => {
    setBrowsing(drive);
    setEntries({ state: 'loading' });
    setEntries(loaded(await call('listDriveFiles', { mountPoint: drive.mountPoint })));
  };

  const offered = entries.state === 'ready' ? entries.value.filter((e) => e.kind === mode && offers(e)) : [];

  /** The drives, and the files of the drive being browsed (a file copied onto it since shows up). */
  const lookAgain = async () => {
    await loadDrives();
    const now = useCeremony.getState().drives;
    const still = now.state === 'ready' ? now.value.find((d) => d.mountPoint === browsing?.mountPoint) : undefined;
    if (still) await browse(still);
    else {
      setBrowsing(undefined);
      setEntries({ state: 'idle' });
    }
  };

  return (
    <fieldset className="drive-picker">
      <legend>{label}</legend>
      {drives.state === 'failed' && (
        <ErrorPanel title="The drives could not be listed" error={drives.error} onRetry={() => void loadDrives()} />
      )}
      {drives.state === 'ready' && drives.value.length === 0 && (
        <p>No removable drive is inserted. Insert one, then look again.</p>
      )}
      {drives.state === 'ready' &&
        drives.value.map((d) => (
          <label key={d.mountPoint} className="choice">
            <input
              type="radio"
              name={`${name}-drive`}
              checked={mode === 'drive' ? value === d.mountPoint : browsing?.mountPoint === d.mountPoint}
              disabled={mode === 'drive' && d.readOnly}
              onChange={() => (mode === 'drive' ? onChange(d.mountPoint, d) : void browse(d))}
            />
            <span>
              <strong>{driveName(d)}</strong> <span className="mono">{d.mountPoint}</span>
              <span className="hint"> {d.readOnly ? 'read-only' : `${bytesText(d.availableBytes)} free`}</span>
            </span>
          </label>
        ))}
      <button type="button" className="link-button" onClick={() => void lookAgain()}>
        Look for drives again
      </button>
      {mode !== 'drive' && browsing && entries.state === 'ready' && (
        <div
          className="file-list"
          role="group"
          aria-label={`${mode === 'file' ? 'Files' : 'Folders'} on ${driveName(browsing)}`}
        >
          {offered.length === 0 && <p>This drive holds no {mode === 'file' ? 'files' : 'folders'} to pick here.</p>}
          {offered.map((e) => {
            const path = `${browsing.mountPoint}/${e.path}`;
            return (
              <label key={e.path} className="choice">
                <input
                  type="radio"
                  name={`${name}-file`}
                  checked={value === path}
                  onChange={() => onChange(path, browsing)}
                />
                <span className="mono">{e.path}</span>
                <span className="hint">{bytesText(e.sizeBytes)}</span>
              </label>
            );
          })}
        </div>
      )}
      {mode !== 'drive' && entries.state === 'failed' && (
        <ErrorPanel title="The files could not be listed" error={entries.error} />
      )}
      {children}
    </fieldset>
  );
}
