/**
 * The HSM selection the security officers approved, and the proof of it that Keyward checks before any
 * PIN is asked for. Every PIN typed goes through the PKCS#11 module, so on an initialised workstation the
 * selection (rehearsal token, or module path and token address) is signed by the workstation key, with
 * the module file's SHA-256 and the token's serial, when the workstation is initialised and when a
 * change-hsm ceremony applies a new one. settings.json carries the signature beside the selection (one
 * file, replaced atomically). Before a module is loaded, the signature is verified against the workstation
 * certificate's key and the module file is hashed again; once loaded, and before any login, the token must
 * hold that same key (read without login). An edited settings.json, an edited database or a replaced
 * module file is refused, saying what was found and what to do.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { hexGroups } from '../../../shared/fingerprint';
import type { WorkstationIdentity } from '../../../shared/inventory';
import { moduleArgsSchema, moduleEnvSchema, moduleLoadInWords, moduleLoadOf } from '../../../shared/module-load';
import type { HsmSettings } from '../../../shared/settings';
import type { AuditLog } from '../../store/audit-log';
import { canonicalJson } from '../../store/canonical';
import { publicKeyFingerprint } from '../../store/identity';
import type { Signer } from '../../x509/signer';
import { signatureValid } from '../../x509/verify-signature';
import type { HsmClient } from './client';

export const selectionApprovalSchema = z
  .object({
    /** The module file's SHA-256 (hex) as approved; null for the rehearsal token, whose module Keyward picks itself. */
    moduleSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'moduleSha256 must be 64 hex digits')
      .nullable(),
    /** The serial of the token that holds the workstation key. */
    tokenSerial: z.string().max(64),
    /** The ceremony that approved it (the initialisation, or a change-hsm ceremony). */
    approvedIn: z.string().min(1).max(200),
    approvedAt: z.string().max(40),
    /** SHA-256 of the signing key (DER SubjectPublicKeyInfo), hex: which workstation key signed it, to say so when it is not the certified one. */
    signerFingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'signerFingerprint must be 64 hex digits'),
    hash: z.enum(['sha256', 'sha384']),
    scheme: z.enum(['rsa-pss', 'ecdsa-p1363']),
    /** Base64, by the workstation key. */
    signature: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'the signature must be base64')
      .max(2048),
  })
  .strict();

export type SelectionApproval = z.infer<typeof selectionApprovalSchema>;
/** What the caller states; the signer's fingerprint, the hash and the signature are added by signSelection. */
export type ApprovalTerms = Omit<SelectionApproval, 'signerFingerprint' | 'hash' | 'scheme' | 'signature'>;

/** What settings.json holds: the selection, and the officers' signed approval of it once the workstation is initialised. */
export interface SavedSelection {
  settings: HsmSettings;
  approval?: SelectionApproval;
}

const purpose = 'Keyward HSM selection approved by the security officers, v1';

/** The bytes the workstation key signs: the whole selection (every field a later version may add too) and the terms. */
export function approvalBody(
  settings: HsmSettings,
  terms: Omit<SelectionApproval, 'hash' | 'scheme' | 'signature'>,
): Buffer {
  return Buffer.from(canonicalJson({ purpose, selection: { ...settings }, ...terms }), 'utf8');
}

export async function signSelection(
  signer: Signer,
  settings: HsmSettings,
  terms: ApprovalTerms,
): Promise<SelectionApproval> {
  const signedTerms = { ...terms, signerFingerprint: publicKeyFingerprint(signer.spki) };
  const signed = await signer.sign(approvalBody(settings, signedTerms));
  return {
    ...signedTerms,
    hash: signed.hash,
    scheme: signed.scheme,
    signature: Buffer.from(signed.signature).toString('base64'),
  };
}

export const certifiedKey = (certificateDer: Uint8Array): Buffer =>
  new X509Certificate(Buffer.from(certificateDer)).publicKey.export({ type: 'spki', format: 'der' });

/** The approval verifies against the workstation certificate's key, for exactly this selection. */
export function approvalHolds(settings: HsmSettings, approval: SelectionApproval, certificateDer: Uint8Array): boolean {
  const { hash, scheme, signature, ...terms } = approval;
  return signatureValid(certifiedKey(certificateDer), approvalBody(settings, terms), {
    hash,
    scheme,
    signature: Buffer.from(signature, 'base64'),
  });
}

export const sameSelection = (a: HsmSettings, b: HsmSettings): boolean =>
  canonicalJson({ ...a }) === canonicalJson({ ...b });

export const describeSelection = (settings: HsmSettings): string => {
  if (settings.mode === 'rehearsal') return 'the rehearsal token';
  const how = moduleLoadInWords(settings);
  return `the module ${settings.modulePath}${how ? ` (${how})` : ''}, token ${settings.tokenUri}${settings.rehearsalOnly ? ', for rehearsals only' : ''}`;
};

/** What the audit log says of the HSM selections made and approved (hsm.select, hsm.approve entries). */
export interface SelectionHistory {
  /** The newest approval the log records (its signature, base64): the one settings.json must carry. None on a workstation initialised before approvals were signed. */
  latestApproval?: { signature: string; ceremony: string | null; time: string };
  /** The selection the log last recorded as made (hsm.select), with the module's SHA-256 then. */
  lastSelected?: { settings: HsmSettings; moduleSha256: string | null };
}

/** Read from the audit log, newest first. */
export function selectionHistory(log: Pick<AuditLog, 'query'>): SelectionHistory {
  const selections = log.query({ action: 'hsm.select', limit: 1000 });
  const approvals = [...selections, ...log.query({ action: 'hsm.approve', limit: 1000 })]
    .flatMap(({ seq, time, outcome, details: { approvalSignature, ceremony } }) =>
      outcome === 'success' && typeof approvalSignature === 'string'
        ? [{ seq, time, signature: approvalSignature, ceremony: typeof ceremony === 'string' ? ceremony : null }]
        : [],
    )
    .sort((a, b) => b.seq - a.seq);
  const [newest] = approvals;
  const history: SelectionHistory = newest
    ? { latestApproval: { signature: newest.signature, ceremony: newest.ceremony, time: newest.time } }
    : {};
  const last = selections.find((e) => e.outcome === 'success');
  if (!last) return history;
  const { mode, modulePath, moduleArgs, moduleEnv, moduleSha256 } = last.details;
  if (mode === 'hsm' && typeof modulePath === 'string' && last.subject) {
    const args = moduleArgsSchema.safeParse(moduleArgs);
    const env = moduleEnvSchema.safeParse(moduleEnv);
    return {
      ...history,
      lastSelected: {
        settings: {
          mode: 'hsm',
          ...moduleLoadOf({
            modulePath,
            ...(args.success ? { moduleArgs: args.data } : {}),
            ...(env.success ? { moduleEnv: env.data } : {}),
          }),
          tokenUri: last.subject,
        },
        moduleSha256: typeof moduleSha256 === 'string' ? moduleSha256 : null,
      },
    };
  }
  return { ...history, lastSelected: { settings: { mode: 'rehearsal' }, moduleSha256: null } };
}

/**
 * How the saved selection stands, checked before its module is loaded: approved; or not approved as it is
 * now, for a reason the security officers can put right by approving it again in a change-hsm ceremony
 * (`reapprove`: the module file changed since, or the workstation was initialised before approvals were
 * signed). Anything else (a selection changed outside Keyward) is refused: nobody may type a PIN into it.
 */
export type SelectionStanding =
  | { state: 'approved' }
  | {
      state: 'reapprove';
      /** Why it is not approved as it is, in a clause ("the module file … changed since …"). */
      why: string;
      /** The refusal for any session not opened for its re-approval. */
      problem: KeywardError;
    };

export interface StandingInput {
  saved: SavedSelection;
  /** Where the selection is saved, as the officers are told. */
  file: string;
  identity: WorkstationIdentity;
  /** The module file's SHA-256, hex, after checking Keyward may load it at all (module-path.ts). */
  moduleSha256Of(modulePath: string): Promise<string>;
  history(): SelectionHistory;
}

const restoreStep = (file: string): string =>
  `Do not log in. Put back the selection the security officers approved (the audit log's latest hsm.select or hsm.approve entry names its module, SHA-256 and token), for instance ${file} from a backup, then start Keyward again; find out who changed the file or the database.`;

export async function selectionStanding(input: StandingInput): Promise<SelectionStanding> {
  const { saved, file, identity } = input;
  const { settings, approval } = saved;
  const named = describeSelection(settings);
  if (approval) {
    if (!approvalHolds(settings, approval, identity.certificateDer)) {
      const why =
        approval.signerFingerprint === identity.publicKeyFingerprint
          ? 'so the file was changed outside Keyward after they approved it'
          : `and it names another signing key (fingerprint ${hexGroups(approval.signerFingerprint)}): the file, or the workstation certificate in the database, was replaced outside Keyward`;
      throw new KeywardError(
        'HSM_SELECTION_UNAPPROVED',
        `The HSM selection saved in ${file} (${named}) is not the one the security officers approved: its approval does not verify against the workstation key the database's certificate names (fingerprint ${hexGroups(identity.publicKeyFingerprint)}), ${why}. No module was loaded and no PIN was asked for.`,
        restoreStep(file),
      );
    }
    // Only the newest approval stands: an older settings.json put back (an earlier module) is not in force.
    const latest = input.history().latestApproval;
    if (latest && latest.signature !== approval.signature) {
      throw new KeywardError(
        'HSM_SELECTION_UNAPPROVED',
        `The HSM selection saved in ${file} (${named}) carries an approval the security officers gave in ${approval.approvedIn} (${approval.approvedAt}), which a later one replaced (${latest.ceremony ?? 'a later ceremony'}, ${latest.time}): an older settings file was put back outside Keyward. No module was loaded and no PIN was asked for.`,
        restoreStep(file),
      );
    }
    if (settings.mode === 'rehearsal') return { state: 'approved' };
    const now = await input.moduleSha256Of(settings.modulePath);
    if (now === approval.moduleSha256) return { state: 'approved' };
    const why = `The module file ${settings.modulePath} changed since the security officers approved it (approved SHA-256 ${hexGroups(approval.moduleSha256 ?? '')}, now ${hexGroups(now)})`;
    return {
      state: 'reapprove',
      why,
      problem: new KeywardError(
        'HSM_MODULE_CHANGED',
        `${why}: it was not loaded, and no PIN was asked for.`,
        `If the HSM vendor's software was updated, the security officers approve the new file in a change-hsm ceremony naming the same module and token, run from the command line (keyward ceremony run PLAN --out FOLDER, the plan's ceremony being change-hsm), which may open it for that ceremony only; otherwise restore the approved file (reinstall the vendor package version they approved) and find out who changed it.`,
      ),
    };
  }
  const history = input.history();
  if (history.latestApproval) {
    throw new KeywardError(
      'HSM_SELECTION_UNAPPROVED',
      `The HSM selection saved in ${file} (${named}) carries no approval of the security officers, although this workstation signs every approved selection (its audit log records signed approvals): the approval was removed outside Keyward. No module was loaded and no PIN was asked for.`,
      restoreStep(file),
    );
  }
  // Saved before Keyward signed approvals: it stands only as the audit log last recorded it, the module file unchanged.
  const last = history.lastSelected;
  if (settings.mode === 'rehearsal') {
    if (!last || last.settings.mode === 'rehearsal') return { state: 'approved' };
  } else if (
    last &&
    sameSelection(last.settings, settings) &&
    last.moduleSha256 === (await input.moduleSha256Of(settings.modulePath))
  ) {
    const why = `This workstation was initialised before Keyward signed the security officers' approval of its HSM: ${named} (module SHA-256 ${hexGroups(last.moduleSha256)}, as the audit log recorded when it was chosen) carries no signed approval`;
    return {
      state: 'reapprove',
      why,
      problem: new KeywardError(
        'HSM_SELECTION_UNAPPROVED',
        `${why}, so no PIN is typed into it yet.`,
        `The security officers re-approve the same module and token in a change-hsm ceremony run from the command line (keyward ceremony run PLAN --out FOLDER, the plan naming module ${settings.modulePath} and token ${settings.tokenUri}), which opens the module for that ceremony only; afterwards Keyward checks the signed approval before every login.`,
      ),
    };
  }
  throw new KeywardError(
    'HSM_SELECTION_UNAPPROVED',
    `The HSM selection saved in ${file} (${named}) carries no approval of the security officers and is not the one this workstation's audit log last recorded (${last ? describeSelection(last.settings) : 'the rehearsal token'}${last?.moduleSha256 ? `, module SHA-256 ${hexGroups(last.moduleSha256)}` : ''}): it was changed outside Keyward, or its module file changed. No module was loaded and no PIN was asked for.`,
    restoreStep(file),
  );
}

/**
 * Once the module is loaded, before any login: the token it reaches is the one the officers approved (the
 * serial their signed approval names) and holds the workstation key that the certificate names, read
 * without login. A module that reaches another token (a copy of the workstation key under another serial
 * included), or a database whose certificate or serial was replaced, is refused before a PIN goes anywhere.
 */
export async function requireWorkstationKeyOnToken(
  client: HsmClient,
  tokenUri: string,
  identity: WorkstationIdentity,
  approval: SelectionApproval | undefined,
): Promise<void> {
  const token = await client.request('describeToken', { uri: tokenUri });
  if (approval && token.serial !== approval.tokenSerial) {
    throw new KeywardError(
      'HSM_SELECTION_UNAPPROVED',
      `The approved HSM selection reaches the token "${token.label}" (serial ${token.serial}), but the security officers approved the token with serial ${approval.tokenSerial} (in ${approval.approvedIn}, signed by the workstation key)${identity.tokenSerial === approval.tokenSerial ? '' : `; the workstation database names serial ${identity.tokenSerial}, so it was changed outside Keyward`}. No PIN was asked for.`,
      "Do not log in. Connect the workstation's own HSM token (the serial the officers approved), check the token with the HSM vendor's tools, and find out who changed the token or the database.",
    );
  }
  if (token.serial !== identity.tokenSerial) {
    throw new KeywardError(
      'WORKSTATION_NOT_INITIALISED',
      `The approved HSM selection reaches the token "${token.label}" (serial ${token.serial}), but the workstation key is on the token with serial ${identity.tokenSerial}. No PIN was asked for.`,
      "Connect the workstation's own HSM token (check that it is the only one the module shows), then try again.",
    );
  }
  let onToken: Uint8Array | undefined;
  try {
    onToken = (await client.request('publicKeyWithoutLogin', { uri: tokenUri, id: identity.tokenObjectId }))
      .publicKeySpki;
  } catch (error) {
    if (!(error instanceof KeywardError && error.code === 'HSM_KEY_NOT_FOUND')) throw error;
  }
  if (!onToken || !certifiedKey(identity.certificateDer).equals(Buffer.from(onToken))) {
    throw new KeywardError(
      'SIGNATURE_INVALID',
      `The token "${token.label}" (serial ${token.serial}) does not hold the workstation key that the workstation certificate names (${onToken ? 'its public key differs' : `no public key with id ${identity.tokenObjectId}`}): the module or the token is not the one the security officers approved, or the workstation database was changed. No PIN was asked for.`,
      "Do not log in. Check the token with the HSM vendor's tools and the module file, and verify the audit log once the cause is understood.",
    );
  }
}
