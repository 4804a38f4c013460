/** Any service that unwraps an RSA-OAEP or RSA-AES key wrap under its own RSA key: the wrapped key, raw and in base64. */
import { cmkSpecs, type CmkSpec } from '../../shared/keys';
import { wrapAlgorithms, wrapWords } from '../../shared/providers';
import type { ProviderProfile } from './profile';
import {
  base64File,
  choice,
  deadline,
  importOf,
  oaepCapacity,
  publicKeyFingerprintLines,
  wrappedFileProblems,
} from './rules';
import { parseWrappingKey } from './wrapping-key-file';

const id = 'generic';
const keyTypes = Object.fromEntries(cmkSpecs.map((spec) => [spec, spec])) as Record<CmkSpec, string>;

export const generic: ProviderProfile = {
  id,
  fields: [
    {
      name: 'algorithm',
      label: 'Wrapping algorithm the service expects',
      options: wrapAlgorithms.map((a) => ({ value: a, label: `${a}: ${wrapWords(a)}`, wrap: a })),
    },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)', optional: true },
  ],
  keyTypes,
  wraps: wrapAlgorithms.map((algorithm) => ({ algorithm, providerName: algorithm, modulusBits: [2048, 3072, 4096] })),
  rules: [
    {
      rule: 'RSA-OAEP carries at most k - 2 hLen - 2 octets: RSA private keys only by RSA-AES key wrap',
      source: 'RFC 8017, section 7.1.1',
    },
    {
      rule: 'RSA-AES key wrap: RSA-OAEP of an ephemeral AES-256 key, then RFC 5649 of the key',
      source: 'PKCS #11 v2.40 CKM_RSA_AES_KEY_WRAP; RFC 5649',
    },
  ],

  read(files, fields, now) {
    const key = parseWrappingKey(files.wrappingKey);
    const algorithm = choice(id, fields, 'algorithm', wrapAlgorithms);
    return importOf(id, key, files.wrappingKey, {
      algorithm,
      providerAlgorithm: algorithm,
      deadline: deadline(id, fields.deadline, false, now, 'fields.deadline'),
      target: {},
    });
  },

  refusal: (spec, terms) => oaepCapacity(spec, terms.algorithm, terms.modulusBits),

  payload: ({ wrapped }) => [
    { name: 'wrapped-key.bin', bytes: wrapped },
    { name: 'wrapped-key.b64', bytes: Buffer.from(wrapped.toString('base64')) },
  ],

  problems(terms, spec, files) {
    const wrapped = files.get('wrapped-key.bin');
    const b64 = base64File(files, 'wrapped-key.b64');
    return [
      ...wrappedFileProblems(terms, spec, wrapped, 'wrapped-key.bin'),
      ...(wrapped && b64?.equals(wrapped) ? [] : ['wrapped-key.b64 is not the base64 form of wrapped-key.bin']),
    ];
  },

  guide: (terms, key) => ({
    steps: [
      `Give wrapped-key.bin (or its base64 form, wrapped-key.b64) to the service, which unwraps it with ${terms.algorithm} (${wrapWords(terms.algorithm)}) under the private key of the wrapping key whose fingerprint the manifest records.`,
    ],
    permission: "whatever the service requires to import a key (see the service's documentation)",
    check: key.publicKeySpki
      ? [
          "The service's public key for this key must match public-key.pem.",
          ...publicKeyFingerprintLines(key.publicKeySpki),
        ]
      : [
          `Keyward knows no check at this service; compare the key check value ${key.kcv.toUpperCase()} if the service shows one.`,
        ],
  }),
};
