/**
 * Trusted session keys the security officer prepares for the user's next step. A CMK carries
 * CKA_WRAP_WITH_TRUSTED and only the SO can mark a key trusted, so the SO makes the key, logs out, and
 * the key (a public session object) survives for the user's step, which uses it once and destroys it.
 */
import pkcs11js from 'pkcs11js';
import type { Pkcs11Module } from './module';
import type { TokenSession } from './sessions';
import { type TemplateWithNested, unwrapTemplate, withNoCopiesWhereKnown } from './templates';

type Handle = Buffer;

/**
 * rsa-aes: the AES-256 key of a composed RSA-AES wrap; it leaves the token only under RSA-OAEP.
 * key-check: wraps a key and unwraps the copy into a probe that computes its check value; never leaves.
 */
export type EphemeralPurpose = 'rsa-aes' | 'key-check';

export class EphemeralKeys {
  private readonly prepared = new Map<string, Handle>();

  constructor(private readonly module: Pkcs11Module) {}

  /** SO step. */
  prepare(session: TokenSession, purpose: EphemeralPurpose): void {
    this.discard(session, purpose);
    const handle = this.module.guard(session.where, () =>
      withNoCopiesWhereKnown((noCopies) =>
        this.module.lib.C_GenerateKey(
          session.handle,
          { mechanism: pkcs11js.CKM_AES_KEY_GEN },
          ephemeralTemplate(purpose, noCopies),
        ),
      ),
    );
    this.prepared.set(keyOf(session, purpose), handle);
  }

  /** The prepared key, removed from the list: the caller uses it once and must `destroy` it. */
  take(session: TokenSession, purpose: EphemeralPurpose): Handle | undefined {
    const handle = this.prepared.get(keyOf(session, purpose));
    this.prepared.delete(keyOf(session, purpose));
    return handle;
  }

  destroy(session: TokenSession, handle: Handle): void {
    try {
      this.module.lib.C_DestroyObject(session.handle, handle);
    } catch {
      // A session key that is already gone (session reset) is what we want.
    }
  }

  discard(session: TokenSession, purpose: EphemeralPurpose): void {
    const handle = this.take(session, purpose);
    if (handle) this.destroy(session, handle);
  }
}

const keyOf = (session: TokenSession, purpose: EphemeralPurpose): string => `${session.serial}/${purpose}`;

/** `noCopies`: CKA_COPYABLE=false, or nothing where the token does not know it (withNoCopiesWhereKnown). */
function ephemeralTemplate(purpose: EphemeralPurpose, noCopies: pkcs11js.Template): TemplateWithNested {
  const rsaAes = purpose === 'rsa-aes';
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
    { type: pkcs11js.CKA_TOKEN, value: false }, // a session object: gone with the session at the latest
    { type: pkcs11js.CKA_PRIVATE, value: false }, // survives the SO's logout, for the user's step
    { type: pkcs11js.CKA_SENSITIVE, value: true }, // its value is never readable
    { type: pkcs11js.CKA_EXTRACTABLE, value: rsaAes }, // rsa-aes: leaves only under RSA-OAEP, to the provider...
    { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true }, // ...whose key the SO marked trusted, never under one the user made
    { type: pkcs11js.CKA_TRUSTED, value: true }, // may wrap the CMK (WRAP_WITH_TRUSTED)
    { type: pkcs11js.CKA_WRAP, value: true }, // wraps the CMK...
    { type: pkcs11js.CKA_UNWRAP, value: !rsaAes }, // key-check: ...and unwraps the copy into the probe (in-token-kcv.ts)
    // Anyone who can wrap the CMK under the check key can unwrap it again, so what it unwraps is the probe
    // (in-token-kcv.ts) and nothing more: an attacker's unwrap into any other kind of copy is refused.
    ...(rsaAes
      ? []
      : [
          unwrapTemplate([
            { type: pkcs11js.CKA_TOKEN, value: false }, // a session object: no copy outlives the session, under any id
            { type: pkcs11js.CKA_PRIVATE, value: true }, // seen and used only by the logged-in session
            { type: pkcs11js.CKA_SENSITIVE, value: true }, // no unwrapped copy is ever readable
            { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // nor wrapped again, under any key
            { type: pkcs11js.CKA_DECRYPT, value: false }, // the probe only encrypts (AES) or is digested (HMAC)
            { type: pkcs11js.CKA_SIGN, value: false }, // no MACs with the CMK's value
            { type: pkcs11js.CKA_VERIFY, value: false },
            { type: pkcs11js.CKA_WRAP, value: false }, // wraps nothing
            { type: pkcs11js.CKA_UNWRAP, value: false }, // opens nothing wrapped under the CMK
            { type: pkcs11js.CKA_DERIVE, value: false }, // no keys derived from it
          ]),
        ]),
    { type: pkcs11js.CKA_ENCRYPT, value: false }, // never used on data
    { type: pkcs11js.CKA_DECRYPT, value: false },
    { type: pkcs11js.CKA_DERIVE, value: false }, // no keys derived from it
    ...noCopies, // no copy: a copy stays trusted and could be given new uses
    { type: pkcs11js.CKA_MODIFIABLE, value: false }, // last: nobody can later turn on UNWRAP or DECRYPT, or drop the unwrap template
  ];
}
