/**
 * Whether a token enforces what Keyward relies on, proven on throw-away session keys before it may hold a
 * CMK: a token can accept an attribute and not enforce it (NSS's softoken reads CKA_WRAP_WITH_TRUSTED back
 * as true, yet wraps such a key under an untrusted key a user just made). Each trial attempts what the token
 * must refuse; the finding says, in words, what it did instead. A key created here is a session object of a
 * public session, never a CMK, destroyed with the session.
 */
import pkcs11js from 'pkcs11js';
import type { EnforcementFinding } from '../../../shared/keys';

type Handle = Buffer;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** `wrap`: a mechanism that wraps an AES key under an AES key on this token (its RFC 5649 one), if any. */
export function enforcementTrials(
  lib: pkcs11js.PKCS11,
  session: Handle,
  wrap: pkcs11js.Mechanism | undefined,
): EnforcementFinding[] {
  const aes = (extra: pkcs11js.Template): Handle =>
    lib.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_TOKEN, value: false }, // a session object
      { type: pkcs11js.CKA_PRIVATE, value: false }, // of this public session
      ...extra,
    ]);
  const findings: EnforcementFinding[] = [];
  /** The token must refuse `attempt`; it holds when it does. */
  const refuses = (property: string, refusal: string, attempt: () => unknown): void => {
    try {
      attempt();
      findings.push({ property, holds: false, detail: `the token did it (${refusal} expected)` });
    } catch (error) {
      findings.push({ property, holds: true, detail: `refused with ${message(error)}` });
    }
  };
  const notTried = (property: string, why: string): void => {
    findings.push({ property, holds: false, detail: `could not be tried: ${why}` });
  };

  let keys: { wrapWithTrusted: Handle; untrusted: Handle; fixed: Handle; plain: Handle };
  try {
    keys = {
      wrapWithTrusted: aes([
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
        { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true },
      ]),
      untrusted: aes([{ type: pkcs11js.CKA_WRAP, value: true }]),
      fixed: aes([
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      ]),
      plain: aes([
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
      ]),
    };
  } catch (error) {
    const why = `the token would not make throw-away AES session keys (${message(error)})`;
    for (const property of enforcedProperties) notTried(property, why);
    return findings;
  }
  const wrapUnder = (key: Handle) => (): Buffer =>
    lib.C_WrapKey(
      session,
      wrap ?? { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD },
      keys.untrusted,
      key,
      Buffer.alloc(256),
    );
  // The control: an ordinary extractable key wraps under the untrusted key, so a refusal below is the attribute's doing.
  let control: string | undefined;
  if (!wrap) control = 'the token has no mechanism that wraps an AES key under an AES key';
  else
    try {
      wrapUnder(keys.plain)();
    } catch (error) {
      control = `an ordinary extractable key would not wrap either (${message(error)})`;
    }
  const [wrapTrusted, readValue, wrapFixed, setTrusted, sensitiveOff, extractableOn] = enforcedProperties;
  if (control) notTried(wrapTrusted, control);
  else refuses(wrapTrusted, 'CKR_KEY_NOT_WRAPPABLE', wrapUnder(keys.wrapWithTrusted));
  refuses(readValue, 'CKR_ATTRIBUTE_SENSITIVE', () =>
    // Expected to be refused: a throw-away session key, never a CMK.
    lib.C_GetAttributeValue(session, keys.plain, [{ type: pkcs11js.CKA_VALUE }]),
  );
  if (control) notTried(wrapFixed, control);
  else refuses(wrapFixed, 'CKR_KEY_UNEXTRACTABLE', wrapUnder(keys.fixed));
  refuses(setTrusted, 'CKR_ATTRIBUTE_READ_ONLY', () => {
    // Creating a trusted key, then marking one trusted: only the security officer may.
    let created: Handle | undefined;
    try {
      created = aes([
        { type: pkcs11js.CKA_TRUSTED, value: true },
        { type: pkcs11js.CKA_WRAP, value: true },
      ]);
    } catch {
      lib.C_SetAttributeValue(session, keys.untrusted, [{ type: pkcs11js.CKA_TRUSTED, value: true }]);
    }
    return created;
  });
  refuses(sensitiveOff, 'CKR_ATTRIBUTE_READ_ONLY', () =>
    lib.C_SetAttributeValue(session, keys.plain, [{ type: pkcs11js.CKA_SENSITIVE, value: false }]),
  );
  refuses(extractableOn, 'CKR_ATTRIBUTE_READ_ONLY', () =>
    lib.C_SetAttributeValue(session, keys.fixed, [{ type: pkcs11js.CKA_EXTRACTABLE, value: true }]),
  );
  return findings;
}

/** What Keyward relies on, in the officers' words. */
export const enforcedProperties = [
  'a key marked CKA_WRAP_WITH_TRUSTED is never wrapped under a key the security officer did not mark trusted',
  'the value of a sensitive key is never read',
  'a key that is not extractable is never wrapped',
  'only the security officer marks a key trusted (CKA_TRUSTED), creating it or changing it',
  'a sensitive key never becomes readable (CKA_SENSITIVE cannot be turned off)',
  'a key that is not extractable never becomes extractable (CKA_EXTRACTABLE cannot be turned on)',
] as const;
