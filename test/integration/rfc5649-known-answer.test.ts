/**
 * RFC 5649 (AES key wrap with padding) is found on each token by known answer, never by mechanism number:
 * SoftHSM implements it under CKM_AES_KEY_WRAP_PAD (0x210A); NSS's softoken gives PKCS#7 padding and
 * RFC 3394 there, and RFC 5649 under CKM_AES_KEY_WRAP_KWP (0x210B). Forcing 0x210A on NSS is caught by the
 * known answer before any payload is made, and a token with no RFC 5649 at all is refused for backups and
 * RSA-AES, saying why.
 */
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pkcs11Module } from '../../src/main/hsm/host/module';
import { CKM_AES_KEY_WRAP_KWP, kwpOf, learnRfc5649 } from '../../src/main/hsm/host/rfc5649';
import { Sessions } from '../../src/main/hsm/host/sessions';
import { openInProcessModules, type InProcessModules } from '../helpers/in-process-modules';
import { nssTokenLabel } from '../helpers/nss';

let modules: InProcessModules;
let softhsm: Pkcs11Module;
let nssLib: Pkcs11Module;

beforeAll(() => {
  modules = openInProcessModules('Known answer');
  ({ softhsm, nss: nssLib } = modules);
});

afterAll(() => modules.close());

/** A public session on the module's token with this label. */
function sessionOn(module: Pkcs11Module, label: string): Buffer {
  const { slot } = module.findToken(`pkcs11:token=${encodeURIComponent(label)}`);
  return module.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
}

describe('the mechanism that gives RFC 5649, by its published test vectors', () => {
  it('on SoftHSM, CKM_AES_KEY_WRAP_PAD (0x210A), for keys of whole 8-octet blocks only: it zero-pads others first', () => {
    const choice = learnRfc5649(softhsm.lib, sessionOn(softhsm, 'Known answer'));
    expect(choice.mechanism?.mechanism).toBe(pkcs11js.CKM_AES_KEY_WRAP_PAD);
    expect(choice.anyLength).toBe(false);
    expect(choice.findings).toEqual([
      'CKM_AES_KEY_WRAP_KWP (0x210B) cannot wrap and unwrap a test key (CKR_MECHANISM_INVALID)',
      "CKM_AES_KEY_WRAP_PAD (0x210A) gives RFC 5649 for keys of whole 8-octet blocks (AES, HMAC), but zero-pads any other first: RFC 5649's 20-octet example unwraps to 24 octets, so a PKCS#8 private key would reach a provider with trailing zeros",
    ]);
  });

  it('on NSS, CKM_AES_KEY_WRAP_KWP (0x210B)', () => {
    const choice = learnRfc5649(nssLib.lib, sessionOn(nssLib, nssTokenLabel));
    expect(choice.mechanism?.mechanism).toBe(CKM_AES_KEY_WRAP_KWP);
    expect(choice.anyLength).toBe(true);
    expect(choice.findings).toEqual(["CKM_AES_KEY_WRAP_KWP (0x210B) gives RFC 5649's test vectors exactly"]);
  });

  it('on NSS, 0x210A forced alone is caught: it pads otherwise, and nothing is chosen', () => {
    const choice = learnRfc5649(nssLib.lib, sessionOn(nssLib, nssTokenLabel), [
      { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD, name: 'CKM_AES_KEY_WRAP_PAD (0x210A)' },
    ]);
    expect(choice.mechanism).toBeNull();
    // PKCS#7 padding of a 24-octet key to 32, then RFC 3394: 40 bytes where RFC 5649 gives 32.
    expect(choice.findings).toEqual([
      'CKM_AES_KEY_WRAP_PAD (0x210A) gave 40 bytes for a 24-octet test key, where RFC 5649 gives 32 (another padding)',
    ]);
  });

  it('a token with no RFC 5649 is refused for a backup, naming what each candidate gave; nothing falls back', () => {
    const sessions = new Sessions(nssLib);
    const session = sessions.session(`pkcs11:token=${encodeURIComponent(nssTokenLabel)}`);
    session.rfc5649 = learnRfc5649(nssLib.lib, session.handle, [
      { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD, name: 'CKM_AES_KEY_WRAP_PAD (0x210A)' },
    ]);
    expect(() => kwpOf(nssLib, session, 'a backup')).toThrow(
      /has no mechanism that gives RFC 5649 \(AES key wrap with padding\), which a backup needs: CKM_AES_KEY_WRAP_PAD \(0x210A\) gave 40 bytes for a 24-octet test key/,
    );
    // Learned afresh, it is 0x210B.
    delete session.rfc5649;
    expect(kwpOf(nssLib, session, 'a backup')).toEqual({ mechanism: CKM_AES_KEY_WRAP_KWP });
  });
});
