/**
 * Officers' passphrases: stretched with scrypt (memory-hard, in node:crypto) into two independent
 * halves: one verifies the passphrase, the other is the AES-256-GCM key that seals the officer's
 * approval key. Neither the passphrase nor the sealing key is stored.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { KeywardError } from '../../shared/errors';

/** 128 MiB and about half a second per attempt on the workstation: guessing offline is slow. */
export const kdfParameters = { N: 2 ** 17, r: 8, p: 1 } as const;
export const kdfName = `scrypt:N=${kdfParameters.N},r=${kdfParameters.r},p=${kdfParameters.p}`;
export const minimumPassphraseLength = 12;

interface Stretched {
  verifier: Buffer;
  sealingKey: Buffer;
}

function stretch(passphrase: string, salt: Buffer): Promise<Stretched> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 64, { ...kdfParameters, maxmem: 256 * 1024 * 1024 }, (error, key) => {
      if (error) reject(error);
      else resolve({ verifier: key.subarray(0, 32), sealingKey: key.subarray(32) });
    });
  });
}

export function checkPassphraseRules(passphrase: string, officerId: string): void {
  if (passphrase.length < minimumPassphraseLength) {
    throw new KeywardError(
      'PASSPHRASE_TOO_WEAK',
      `A passphrase must have at least ${minimumPassphraseLength} characters.`,
      'Choose a longer passphrase: several unrelated words are easy to remember and hard to guess.',
    );
  }
  if (passphrase.toLowerCase().includes(officerId.toLowerCase())) {
    throw new KeywardError(
      'PASSPHRASE_TOO_WEAK',
      "A passphrase must not contain the officer's name.",
      'Choose another passphrase.',
    );
  }
}

export interface SealedSecret {
  salt: Buffer;
  verifier: Buffer;
  /** nonce (12) || ciphertext || tag (16) */
  sealed: Buffer;
}

/** Seals `secret` (the approval key's PKCS#8) under the passphrase. */
export async function seal(passphrase: string, secret: Buffer): Promise<SealedSecret> {
  const salt = randomBytes(16);
  const { verifier, sealingKey } = await stretch(passphrase, salt);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey, nonce);
  const sealed = Buffer.concat([nonce, cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
  sealingKey.fill(0);
  return { salt, verifier: Buffer.from(verifier), sealed };
}

/** The secret, or undefined when the passphrase is wrong. */
export async function unseal(passphrase: string, stored: SealedSecret): Promise<Buffer | undefined> {
  const { verifier, sealingKey } = await stretch(passphrase, stored.salt);
  try {
    if (!timingSafeEqual(verifier, stored.verifier)) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', sealingKey, stored.sealed.subarray(0, 12));
    decipher.setAuthTag(stored.sealed.subarray(-16));
    return Buffer.concat([decipher.update(stored.sealed.subarray(12, -16)), decipher.final()]);
  } finally {
    sealingKey.fill(0);
  }
}
