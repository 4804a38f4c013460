/**
 * Which mechanism of a token gives RFC 5649 (AES key wrap with padding), learned by known answer, never
 * by number: PKCS#11 3.0 names RFC 5649 CKM_AES_KEY_WRAP_KWP (0x210B), yet SoftHSM implements it under
 * CKM_AES_KEY_WRAP_PAD (0x210A), where NSS's softoken gives PKCS#7 padding followed by RFC 3394 (48 bytes
 * for a 32-byte key, where RFC 5649 gives 40). A provider or a restore given the wrong bytes cannot unwrap
 * them. Each candidate wraps and unwraps known answers under RFC 5649 §6's KEK, imported as a throw-away
 * session key: a key of whole 8-octet blocks (as AES and HMAC keys are), then RFC 5649's own examples of
 * 20 and 7 octets. The first candidate that gives every answer is chosen, per token; failing that, one that
 * gives RFC 5649 for whole blocks only, which SoftHSM's zero-padding of other keys makes it (recorded, so
 * that a private key's export or backup can be refused or marked).
 */
import { createDecipheriv } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { Pkcs11Module } from './module';
import type { Rfc5649Choice } from './rfc5649-choice';
import type { TokenSession } from './sessions';

export type { Rfc5649Choice } from './rfc5649-choice';

type Handle = Buffer;

/** CKM_AES_KEY_WRAP_KWP, PKCS#11 3.0 (pkcs11js does not export it). */
export const CKM_AES_KEY_WRAP_KWP = 0x210b;

export const rfc5649Candidates: readonly { mechanism: number; name: string }[] = [
  { mechanism: CKM_AES_KEY_WRAP_KWP, name: 'CKM_AES_KEY_WRAP_KWP (0x210B)' },
  { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD, name: 'CKM_AES_KEY_WRAP_PAD (0x210A)' },
];

/** RFC 5649 §6: the 192-bit KEK and its two examples (20 octets, and 7 octets). */
const kek = Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex');
/**
 * A key of whole 8-octet blocks, as AES and HMAC keys are: the 20-octet example followed by four zero
 * octets, wrapped under the same KEK (by OpenSSL's id-aes192-wrap-pad; RFC 5649 publishes no such example).
 */
const wholeBlocks = {
  key: Buffer.from('c37b7e6492584340bed12207808941155068f73800000000', 'hex'),
  wrapped: Buffer.from('cf1e485360e1a8126f524d01771677f9400edb4d074f14116988d71e1588e367', 'hex'),
};
const published = [
  {
    key: Buffer.from('c37b7e6492584340bed12207808941155068f738', 'hex'),
    wrapped: Buffer.from('138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a', 'hex'),
  },
  { key: Buffer.from('466f7250617369', 'hex'), wrapped: Buffer.from('afbeb0f07dfbf5419200f2ccb50bb24f', 'hex') },
];

const sessionObject = [
  { type: pkcs11js.CKA_TOKEN, value: false }, // gone with the session, destroyed below anyway
  { type: pkcs11js.CKA_PRIVATE, value: false }, // needs no login
];

/** Tries each candidate on the known answers, in a session of the token (public session objects only). */
export function learnRfc5649(
  lib: pkcs11js.PKCS11,
  session: Handle,
  candidates: readonly { mechanism: number; name: string }[] = rfc5649Candidates,
): Rfc5649Choice {
  const findings: string[] = [];
  const made: Handle[] = [];
  const create = (template: pkcs11js.Template): Handle => {
    const handle = lib.C_CreateObject(session, [...sessionObject, ...template]);
    made.push(handle);
    return handle;
  };
  let partial: Rfc5649Choice | undefined;
  try {
    let kekHandle: Handle;
    try {
      kekHandle = create([
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE, value: kek },
        { type: pkcs11js.CKA_WRAP, value: true },
        { type: pkcs11js.CKA_UNWRAP, value: true },
      ]);
    } catch (error) {
      return {
        mechanism: null,
        anyLength: false,
        findings: [`the token would not take RFC 5649's test KEK as a session key (${message(error)})`],
      };
    }
    for (const candidate of candidates) {
      const trial = knownAnswers(lib, session, candidate.mechanism, kekHandle, create);
      findings.push(`${candidate.name} ${trial.finding}`);
      if (trial.result === 'any-length') return { mechanism: candidate, anyLength: true, findings };
      if (trial.result === 'whole-blocks') partial ??= { mechanism: candidate, anyLength: false, findings };
    }
    return partial ?? { mechanism: null, anyLength: false, findings };
  } finally {
    for (const handle of made) {
      try {
        lib.C_DestroyObject(session, handle);
      } catch {
        // A session object goes with its session anyway.
      }
    }
  }
}

const secretKey = (value: Buffer): pkcs11js.Template => [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
  { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
  ...(value.length ? [{ type: pkcs11js.CKA_VALUE, value }] : []),
  { type: pkcs11js.CKA_SENSITIVE, value: false }, // a published test key
  { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // it is what the candidate wraps
];

/** RFC 5649 opened in software (node:crypto): what a provider would get from these bytes. */
function unwrapInSoftware(wrapped: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('id-aes192-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return undefined;
  }
}

function knownAnswers(
  lib: pkcs11js.PKCS11,
  session: Handle,
  type: number,
  kekHandle: Handle,
  create: (template: pkcs11js.Template) => Handle,
): { result: 'any-length' | 'whole-blocks' | 'not-rfc5649'; finding: string } {
  const mechanism = { mechanism: type };
  const wrap = (key: Buffer): Buffer =>
    lib.C_WrapKey(session, mechanism, kekHandle, create(secretKey(key)), Buffer.alloc(256));
  try {
    const blocks = wrap(wholeBlocks.key);
    if (!blocks.equals(wholeBlocks.wrapped))
      return {
        result: 'not-rfc5649',
        finding:
          blocks.length === wholeBlocks.wrapped.length
            ? `gave other bytes than RFC 5649 for a ${wholeBlocks.key.length}-octet test key`
            : `gave ${blocks.length} bytes for a ${wholeBlocks.key.length}-octet test key, where RFC 5649 gives ${wholeBlocks.wrapped.length} (another padding)`,
      };
    const unwrapped = lib.C_UnwrapKey(session, mechanism, kekHandle, wholeBlocks.wrapped, [
      ...sessionObject,
      ...secretKey(Buffer.alloc(0)),
    ]);
    // Wrapped again, the unwrapped key must give the same bytes (RFC 5649 is deterministic): no key value is read.
    const again = lib.C_WrapKey(session, mechanism, kekHandle, unwrapped, Buffer.alloc(256));
    destroy(unwrapped);
    if (!again.equals(wholeBlocks.wrapped))
      return { result: 'not-rfc5649', finding: 'wraps as RFC 5649 but unwraps its own test vector to other bytes' };
  } catch (error) {
    return { result: 'not-rfc5649', finding: `cannot wrap and unwrap a test key (${message(error)})` };
  }
  for (const vector of published) {
    let wrapped: Buffer;
    try {
      wrapped = wrap(vector.key);
    } catch (error) {
      return {
        result: 'whole-blocks',
        finding: `gives RFC 5649 for whole 8-octet blocks, but cannot wrap RFC 5649's ${vector.key.length}-octet example (${message(error)})`,
      };
    }
    if (wrapped.equals(vector.wrapped)) continue;
    const opened = unwrapInSoftware(wrapped);
    const padded = Buffer.concat([vector.key, Buffer.alloc((8 - (vector.key.length % 8)) % 8)]);
    return {
      result: 'whole-blocks',
      finding: opened?.equals(padded)
        ? `gives RFC 5649 for keys of whole 8-octet blocks (AES, HMAC), but zero-pads any other first: RFC 5649's ${vector.key.length}-octet example unwraps to ${padded.length} octets, so a PKCS#8 private key would reach a provider with trailing zeros`
        : `gives RFC 5649 for keys of whole 8-octet blocks (AES, HMAC), but not for RFC 5649's ${vector.key.length}-octet example`,
    };
  }
  return { result: 'any-length', finding: "gives RFC 5649's test vectors exactly" };

  function destroy(handle: Handle): void {
    try {
      lib.C_DestroyObject(session, handle);
    } catch {
      // A session object goes with its session anyway.
    }
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The token's RFC 5649 choice, learned once per session (a token reinserted, or updated, is learned again). */
export function rfc5649Of(module: Pkcs11Module, session: TokenSession): Rfc5649Choice {
  session.rfc5649 ??= module.guard(session.where, () => learnRfc5649(module.lib, session.handle));
  return session.rfc5649;
}

/** The mechanism to wrap, unwrap or check with under RFC 5649; refused, with the reason, when the token has none. */
export function kwpOf(module: Pkcs11Module, session: TokenSession, use: string): pkcs11js.Mechanism {
  const { mechanism, findings } = rfc5649Of(module, session);
  if (mechanism) return { mechanism: mechanism.mechanism };
  throw new KeywardError(
    'HSM_MECHANISM_UNSUPPORTED',
    `${session.where} has no mechanism that gives RFC 5649 (AES key wrap with padding), which ${use} needs: ${findings.join('; ')}. Keyward does not wrap in software instead.`,
    'Use an HSM that implements RFC 5649 (CKM_AES_KEY_WRAP_KWP in PKCS#11 3.0); see its capability sheet (keyward token probe).',
  );
}
