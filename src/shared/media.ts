/** Drives as every side sees them: where ceremonies read provider files and write bundles, shares and exports. */
export interface RemovableDrive {
  device: string;
  label: string | null;
  mountPoint: string;
  sizeBytes: number;
  availableBytes: number | null;
  readOnly: boolean;
  transport: string | null;
  /** A folder standing in for a drive on the rehearsal token (no USB drive needed to rehearse). */
  practice?: boolean;
}

/** A file or folder on a drive, by its path relative to the drive's mount point. */
export interface DriveEntry {
  path: string;
  kind: 'file' | 'folder';
  sizeBytes: number;
}
