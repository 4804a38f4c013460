/** Exporting the audit log: the whole log with its checkpoints, signed by the workstation key, to a drive. */
import { z } from 'zod';
import { assertExportTargetsFree } from '../../store/audit-export';
import { auditQuorum, defineCeremony, officerName, type Planned } from '../ceremony-type';
import { exportAuditLog } from '../officer-steps';

export function planExportAudit(out: string): Planned {
  // Refused when planned, before any officer checks in, rather than when the step runs.
  assertExportTargetsFree(out);
  return {
    title: 'Export the audit log',
    steps: [
      exportAuditLog.plan(
        `Write the audit log, its checkpoints, a detached signature by the workstation key and its certificate to ${out}`,
        { out },
      ),
    ],
  };
}

export const exportAudit = defineCeremony({
  type: 'export-audit',
  title: 'Export the audit log',
  description: 'The whole log with its checkpoints, signed by the workstation key, to a drive.',
  policy: auditQuorum,
  dualControl: false,
  form: [
    {
      kind: 'file-on-drive',
      path: 'file',
      label: 'Drive for the signed audit export',
      id: 'export-file',
      nameLabel: 'File name',
      hint: 'For example: audit-2026-11.jsonl (the signature and certificate are written beside it).',
    },
  ],
  plan: z
    .object({ ceremony: z.literal('export-audit'), officers: z.array(officerName).min(1), file: z.string().min(1) })
    .strict(),
  steps: [exportAuditLog],
  build: ({ file }, { place }) => planExportAudit(place(file)),
});
