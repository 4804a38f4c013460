/**
 * The known-answer test before every export: the token wraps a published test key of the CMK's own type
 * and size (./self-test-vectors.ts) with the export's own wrap functions, under the published test RSA key
 * of the provider key's size; it is opened here in software and must give back exactly the test key: a
 * secret key's value, or a private key's PKCS#8 DER with no trailing octet. Nothing is generated here.
 *
 * A token that alters the payload (SoftHSM zero-pads a private key's PKCS#8 to whole 8-octet blocks) would
 * hand the provider bytes it cannot import: no bundle is made, naming the cause; on the rehearsal token
 * the export goes on, and the finding is written into the bundle's README and the ceremony's record.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import { curveOfJwk, isAesSpec, type CmkSpec } from '../../shared/keys';
import { wrapMethods, type WrapAlgorithm } from '../../shared/providers';
import type { HsmClient } from '../hsm/client/client';
import type { SelfTestKey } from '../hsm/protocol';
import { openWrapped } from './open-wrapped';
import { testKeyOf, testWrappingKey, type TestKey } from './self-test-vectors';

function hostKey(key: TestKey, spec: CmkSpec): SelfTestKey {
  if ('secret' in key) return { secret: key.secret, aes: isAesSpec(spec) };
  const jwk = key.privateKey.export({ format: 'jwk' });
  if (jwk.kty === 'EC') return { ec: { crv: curveOfJwk(jwk.crv), d: jwk.d ?? '' } };
  const { n = '', e = '', d = '', p = '', q = '', dp = '', dq = '', qi = '' } = jwk;
  return { rsa: { n, e, d, p, q, dp, dq, qi } };
}

/** The length a DER value starting at offset 0 says it has (header included); undefined when unreadable. */
function derLength(bytes: Buffer): number | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x30) return undefined;
  const first = bytes[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || bytes.length < 2 + octets) return undefined;
  return 2 + octets + bytes.subarray(2, 2 + octets).readUIntBE(0, octets);
}

const privateParts = (key: KeyObject): string => {
  const { d, p, q, dp, dq, qi, crv } = key.export({ format: 'jwk' });
  return JSON.stringify({ d, p, q, dp, dq, qi, crv });
};

/** Why what came out is not the test key, in words; undefined when it is exactly the test key. */
function alteration(recovered: Buffer, key: TestKey): string | undefined {
  if ('secret' in key) {
    if (recovered.equals(key.secret)) return undefined;
    return recovered.length === key.secret.length
      ? 'it unwraps to other bytes than the test key'
      : `it unwraps to ${recovered.length} octets where the test key has ${key.secret.length}`;
  }
  const length = derLength(recovered);
  if (length === undefined) return 'it does not unwrap to a PKCS#8 private key';
  let opened: KeyObject;
  try {
    opened = createPrivateKey({ key: recovered.subarray(0, length), format: 'der', type: 'pkcs8' });
  } catch {
    return 'it does not unwrap to a PKCS#8 private key';
  }
  if (privateParts(opened) !== privateParts(key.privateKey)) return 'it unwraps to another private key';
  if (length === recovered.length) return undefined;
  const trailing = recovered.subarray(length);
  return `it unwraps to ${recovered.length} octets: the ${length}-octet PKCS#8 private key followed by ${trailing.length} ${trailing.every((b) => b === 0) ? 'zero ' : ''}octet${trailing.length > 1 ? 's' : ''}, which a provider would refuse or import wrongly`;
}

/**
 * Runs the self-test; returns the finding when the token altered the payload and this is the rehearsal
 * token (the export goes on, the finding recorded), and nothing when the token's wrap is exact.
 */
export async function wrapSelfTest(
  client: HsmClient,
  uri: string,
  algorithm: WrapAlgorithm,
  modulusBits: number,
  spec: CmkSpec,
  rehearsal: boolean,
): Promise<string | undefined> {
  const { kind, hash } = wrapMethods[algorithm];
  const wrappingKey = testWrappingKey(modulusBits);
  if (!wrappingKey)
    throw new KeywardError(
      'SELF_TEST_FAILED',
      `The wrapping self-test has no test key of ${modulusBits} bits (it has 2048, 3072 and 4096). No bundle was made.`,
      'Ask the provider for a wrapping key of 2048, 3072 or 4096 bits.',
    );
  const key = testKeyOf(spec);
  const result = await client.request('selfTestWrap', {
    uri,
    kind,
    hash,
    spki: createPublicKey(wrappingKey).export({ type: 'spki', format: 'der' }),
    testKey: hostKey(key, spec),
  });
  const recovered = openWrapped(kind, hash, wrappingKey, modulusBits, Buffer.from(result.wrapped)) ?? Buffer.alloc(0);
  const altered = recovered.length === 0 ? 'it does not unwrap at all' : alteration(recovered, key);
  if (!altered) return undefined;
  const finding = `The wrapping self-test found that the token's ${algorithm} wrap of a ${spec} test key under a test RSA-${modulusBits} key is not exact: ${altered}.`;
  if (rehearsal) return `${finding} This export goes on only because this is the rehearsal token.`;
  throw new KeywardError(
    'SELF_TEST_FAILED',
    `${finding} No bundle was made.`,
    'Do not export this key type with this token. Run the capability probe, check the HSM with its vendor tools, and report the failure.',
  );
}
