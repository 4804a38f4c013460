/** Finding Keyward's key objects by CKA_ID, with the trust check a CMK's WRAP_WITH_TRUSTED needs. */
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { Pkcs11Module } from './module';
import { findObjects, readAttributes } from './objects';
import type { TokenSession } from './sessions';

type Handle = Buffer;

/** The first object with this id among the given classes, tried in order. */
export function findKey(module: Pkcs11Module, session: TokenSession, idHex: string, classes: number[]): Handle {
  const id = Buffer.from(idHex, 'hex');
  for (const cls of classes) {
    const found = module.guard(session.where, () =>
      findObjects(module.lib, session.handle, [
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_CLASS, value: cls },
      ]),
    );
    const [first] = found;
    if (first) return first;
  }
  throw new KeywardError(
    'HSM_KEY_NOT_FOUND',
    `${session.where} holds no key with id ${idHex}.`,
    'Check the key id in the inventory.',
  );
}

/** A key that may wrap a CMK: the token would refuse an untrusted one; Keyward says why first. */
export function findTrusted(
  module: Pkcs11Module,
  session: TokenSession,
  idHex: string,
  cls: number,
  what: 'wrapping key' | 'backup KEK',
): Handle {
  const key = findKey(module, session, idHex, [cls]);
  const trusted = module.guard(session.where, () =>
    readAttributes(module.lib, session.handle, key, [pkcs11js.CKA_TRUSTED]).get(pkcs11js.CKA_TRUSTED),
  );
  if (trusted?.[0] !== 1) {
    throw new KeywardError(
      'HSM_KEY_REJECTED',
      `The ${what} ${idHex} on ${session.where} is not marked trusted, so the token would refuse to wrap a CMK with it.`,
      what === 'wrapping key'
        ? 'Import the provider key again through the wrapping-key ceremony, where the security officer marks it trusted.'
        : 'Use the backup KEK the security officer created for backups.',
    );
  }
  return key;
}

/** The key type (CKK_*) of an object. */
export function keyTypeOf(module: Pkcs11Module, session: TokenSession, key: Handle): number | undefined {
  return module.guard(session.where, () =>
    readAttributes(module.lib, session.handle, key, [pkcs11js.CKA_KEY_TYPE])
      .get(pkcs11js.CKA_KEY_TYPE)
      ?.readUIntLE(0, 4),
  );
}
