/**
 * What Keyward writes, read by tools that are not Keyward: openssl checks a detached CMS signature, and
 * pdftotext reads a PDF's text.
 */
import { execFileSync } from 'node:child_process';

/**
 * openssl checks the detached CMS signature (DER) over a file against the signer's certificate (PEM),
 * trusted as its own anchor; it throws, with openssl's words, when the signature does not verify.
 * The signature is the file's name with .p7s unless named.
 */
export function verifyWithOpenssl(content: string, signerPem: string, signature = `${content}.p7s`): void {
  execFileSync(
    'openssl',
    [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      signature,
      '-content',
      content,
      '-CAfile',
      signerPem,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ],
    { stdio: 'pipe' },
  );
}

/** A PDF's text as laid out (a label beside its value), its whitespace (line ends, the columns' gaps) made single spaces. */
export const pdfText = (file: string): string =>
  execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
