/**
 * Public-key verifications already passed in this process, by the SHA-256 of everything each one read.
 * A verification is a pure function of its inputs, so the same inputs checked again (an approval when the
 * export starts and again when its bundle is read back from the drive; a CMS signature when it is made and
 * when it is read back) need not cost another public-key operation. Only successes are kept, and a bounded
 * number of them; any byte that differs (a bad write, a changed file) is a new verification.
 */
import { createHash } from 'node:crypto';

/** Every memo, so a benchmark can measure a verification as the connected side makes it: once, from nothing. */
const all: VerifiedOnce[] = [];

/** Forgets what every memo holds (benchmarks only: bench/bundle.bench-run.ts). */
export function forgetVerified(): void {
  for (const memo of all) memo.forget();
}

export class VerifiedOnce {
  private readonly passed = new Set<string>();

  constructor(private readonly limit = 4096) {
    all.push(this);
  }

  forget(): void {
    this.passed.clear();
  }

  check(inputs: (Uint8Array | string)[], verify: () => boolean): boolean {
    const hash = createHash('sha256');
    for (const input of inputs) {
      const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
      hash.update(`${bytes.length}:`).update(bytes); // length-prefixed: no two lists hash alike
    }
    const key = hash.digest('hex');
    if (this.passed.has(key)) return true;
    const valid = verify();
    if (valid) {
      if (this.passed.size >= this.limit) this.passed.clear();
      this.passed.add(key);
    }
    return valid;
  }
}
