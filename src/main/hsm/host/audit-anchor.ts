/**
 * The audit anchor: one private data object on the token, which only a user login can read or change,
 * holding how far the audit log had been signed and written when Keyward last anchored it. An attacker
 * with the database file cannot reach it, so a log whose checkpoints were deleted, rolled back or
 * re-signed with another key no longer matches it.
 */
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { Pkcs11Module } from './module';
import { findObjects, readAttributes } from './objects';
import type { Sessions, TokenSession } from './sessions';

export const auditAnchorLabel = 'Keyward audit anchor';
const application = 'Keyward';
/** An anchor is a short JSON text; anything larger is not one Keyward wrote. */
const maxAnchorBytes = 4096;

function anchors(module: Pkcs11Module, session: TokenSession): Buffer[] {
  return module.guard(session.where, () =>
    findObjects(module.lib, session.handle, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
      { type: pkcs11js.CKA_LABEL, value: auditAnchorLabel },
    ]),
  );
}

/**
 * Every anchor value on the token: one, or two when Keyward stopped between writing the new one and
 * destroying the old (the caller keeps the one furthest ahead); none on a token never anchored.
 */
export function readAuditAnchors(module: Pkcs11Module, sessions: Sessions, uri: string): Uint8Array[] {
  const session = sessions.require(uri, 'user');
  return anchors(module, session).map((handle) =>
    module.guard(
      session.where,
      () =>
        readAttributes(module.lib, session.handle, handle, [pkcs11js.CKA_VALUE]).get(pkcs11js.CKA_VALUE) ??
        Buffer.alloc(0),
    ),
  );
}

/**
 * Moves the anchor forward: the new value is written as a new object, then the older ones destroyed
 * (tokens keep a data object's value fixed once created). Created from nothing only when `create` is set
 * (a new workstation); otherwise a missing anchor is refused: only someone holding the user PIN and
 * bypassing Keyward removes it.
 */
export function writeAuditAnchor(
  module: Pkcs11Module,
  sessions: Sessions,
  uri: string,
  value: Uint8Array,
  create: boolean,
): void {
  if (value.length === 0 || value.length > maxAnchorBytes)
    throw new KeywardError(
      'INVALID_REQUEST',
      `An audit anchor is 1 to ${maxAnchorBytes} bytes.`,
      'This is a defect in Keyward: report it.',
    );
  const session = sessions.require(uri, 'user');
  const previous = anchors(module, session);
  if (previous.length === 0 && !create) {
    throw new KeywardError(
      'AUDIT_REFUSED',
      `${session.where} holds no audit anchor, though this workstation was initialised with one: it was removed outside Keyward.`,
      'Stop using this workstation for ceremonies, keep the database file and the token as evidence, and inform the auditors.',
    );
  }
  module.guard(session.where, () => {
    createOrExplain(module, session.handle, session.where, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
      { type: pkcs11js.CKA_LABEL, value: auditAnchorLabel },
      { type: pkcs11js.CKA_APPLICATION, value: application },
      { type: pkcs11js.CKA_TOKEN, value: true }, // kept on the token, outside the database
      { type: pkcs11js.CKA_PRIVATE, value: true }, // read, written and destroyed only with a user login
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(value) },
    ]);
    for (const handle of previous) module.lib.C_DestroyObject(session.handle, handle);
  });
}

/** Creates the anchor; a refusal is named as the anchor's (some tokens, NSS's softoken, hold no data objects). */
function createOrExplain(module: Pkcs11Module, session: Buffer, where: string, template: pkcs11js.Template): void {
  try {
    module.lib.C_CreateObject(session, template);
  } catch (error) {
    throw new KeywardError(
      'HSM_MECHANISM_UNSUPPORTED',
      `${where} refused to create the audit log's anchor, a private data object (CKO_DATA) on the token (${error instanceof Error ? error.message : String(error)}); nothing was written.`,
      'Use an HSM that holds data objects. A token without them may serve for rehearsals only (keyward --rehearsal-only, or "For rehearsals only" in Settings), its log then held to its checkpoints alone.',
    );
  }
}

/**
 * Whether the token holds the anchor's kind of object: a private data object created on the token (a user
 * login needed), destroyed at once. Asked only of a token set apart for rehearsals, which protects nothing.
 */
export function holdsDataObjects(
  module: Pkcs11Module,
  sessions: Sessions,
  uri: string,
): { holds: true } | { holds: false; why: string } {
  const session = sessions.require(uri, 'user');
  let handle: Buffer;
  try {
    handle = module.lib.C_CreateObject(session.handle, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
      { type: pkcs11js.CKA_LABEL, value: 'Keyward data object trial' },
      { type: pkcs11js.CKA_APPLICATION, value: application },
      { type: pkcs11js.CKA_TOKEN, value: true }, // as the anchor is
      { type: pkcs11js.CKA_PRIVATE, value: true },
    ]);
  } catch (error) {
    return {
      holds: false,
      why: `it refused a private data object (CKO_DATA) on the token (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  module.guard(session.where, () => module.lib.C_DestroyObject(session.handle, handle));
  return { holds: true };
}
