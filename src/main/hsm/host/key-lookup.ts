/** Finding Keyward's key objects by CKA_ID, with the trust check a CMK's WRAP_WITH_TRUSTED needs. */
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { Pkcs11Module } from './module';
import { findObjects, readAttributes } from './objects';
import type { TokenSession } from './sessions';

type Handle = Buffer;

/**
 * The first object with this id among the given classes, tried in order. One the session found before is
 * confirmed by reading its CKA_ID and CKA_CLASS (with `also`, in the same call) instead of searching the
 * token again; one that no longer answers to them is searched for afresh.
 */
export function findKey(module: Pkcs11Module, session: TokenSession, idHex: string, classes: number[]): Handle {
  return findKeyReading(module, session, idHex, classes, []).handle;
}

/** The same, with the attributes `also` names read from it (each must be one the object surely has). */
export function findKeyReading(
  module: Pkcs11Module,
  session: TokenSession,
  idHex: string,
  classes: number[],
  also: number[],
): { handle: Handle; attributes: Map<number, Buffer> } {
  const id = Buffer.from(idHex, 'hex');
  for (const cls of classes) {
    const known = session.known.handle(cls, idHex);
    if (!known) continue;
    const attributes = stillThere(module, session, known, id, cls, also);
    if (attributes) return { handle: known, attributes };
    // Destroyed or replaced since: nothing verified of it may stand.
    session.known.forget();
    break;
  }
  for (const cls of classes) {
    const found = module.guard(session.where, () =>
      findObjects(module.lib, session.handle, [
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_CLASS, value: cls },
      ]),
    );
    const [first] = found;
    if (!first) continue;
    session.known.remember(cls, idHex, first);
    const attributes = also.length
      ? module.guard(session.where, () => readAttributes(module.lib, session.handle, first, also))
      : new Map<number, Buffer>();
    return { handle: first, attributes };
  }
  throw new KeywardError(
    'HSM_KEY_NOT_FOUND',
    `${session.where} holds no key with id ${idHex}.`,
    'Check the key id in the inventory.',
  );
}

/** The attributes asked for, when the handle still names an object with this id and class; else undefined. */
function stillThere(
  module: Pkcs11Module,
  session: TokenSession,
  handle: Handle,
  id: Buffer,
  cls: number,
  also: number[],
): Map<number, Buffer> | undefined {
  let attributes: Map<number, Buffer>;
  try {
    attributes = readAttributes(module.lib, session.handle, handle, [pkcs11js.CKA_ID, pkcs11js.CKA_CLASS, ...also]);
  } catch {
    return undefined; // CKR_OBJECT_HANDLE_INVALID and the like: searched for afresh
  }
  const same =
    attributes.get(pkcs11js.CKA_ID)?.equals(id) && attributes.get(pkcs11js.CKA_CLASS)?.readUIntLE(0, 4) === cls;
  return same ? attributes : undefined;
}

/** A key that may wrap a CMK: the token would refuse an untrusted one; Keyward says why first. */
export function findTrusted(
  module: Pkcs11Module,
  session: TokenSession,
  idHex: string,
  cls: number,
  what: 'wrapping key' | 'backup KEK',
): Handle {
  return findTrustedReading(module, session, idHex, cls, what, []).handle;
}

/** The same, with the attributes `also` names read from it in the same call. */
export function findTrustedReading(
  module: Pkcs11Module,
  session: TokenSession,
  idHex: string,
  cls: number,
  what: 'wrapping key' | 'backup KEK',
  also: number[],
): { handle: Handle; attributes: Map<number, Buffer> } {
  const found = findKeyReading(module, session, idHex, [cls], [pkcs11js.CKA_TRUSTED, ...also]);
  if (found.attributes.get(pkcs11js.CKA_TRUSTED)?.[0] !== 1) {
    throw new KeywardError(
      'HSM_KEY_REJECTED',
      `The ${what} ${idHex} on ${session.where} is not marked trusted, so the token would refuse to wrap a CMK with it.`,
      what === 'wrapping key'
        ? 'Import the provider key again through the wrapping-key ceremony, where the security officer marks it trusted.'
        : 'Use the backup KEK the security officer created for backups.',
    );
  }
  return found;
}

/** The key type (CKK_*) of an object. */
export function keyTypeOf(module: Pkcs11Module, session: TokenSession, key: Handle): number | undefined {
  return module.guard(session.where, () =>
    readAttributes(module.lib, session.handle, key, [pkcs11js.CKA_KEY_TYPE])
      .get(pkcs11js.CKA_KEY_TYPE)
      ?.readUIntLE(0, 4),
  );
}
