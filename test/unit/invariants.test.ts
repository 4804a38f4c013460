/**
 * Security invariants checked over the source itself, so that a change which breaks one fails the build:
 * key values are never read out of the token, only the HSM layer touches PKCS#11, and nothing in the
 * main process or the HSM layer writes to the console (where a PIN could end up).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path: relative(root, path), text: readFileSync(path, 'utf8') };
    });
}

const all = sources('src');

describe('source invariants', () => {
  it('never asks a token for a key value (CKA_VALUE): key material stays inside the HSM', () => {
    const reads = /(readAttributes|C_GetAttributeValue)\([^;]*CKA_VALUE(?!_LEN)\b/s;
    // The one value read: the audit anchor, a data object (CKO_DATA) that holds the log's head, no key. And one
    // attempted, which the token must refuse: the enforcement trial on a throw-away session key.
    expect(
      all.filter((f) => f.text.split(/;\n/).some((statement) => reads.test(statement))).map((f) => f.path),
    ).toEqual(['src/main/hsm/host/audit-anchor.ts', 'src/main/hsm/host/enforcement.ts']);
    expect(readFileSync(join(root, 'src/main/hsm/host/enforcement.ts'), 'utf8')).toMatch(
      /refuses\(readValue, 'CKR_ATTRIBUTE_SENSITIVE', \(\) =>\s*\/\/[^\n]*\n\s*lib\.C_GetAttributeValue\(session, keys\.plain, \[\{ type: pkcs11js\.CKA_VALUE \}\]\)/,
    );
    expect(readFileSync(join(root, 'src/main/hsm/host/audit-anchor.ts'), 'utf8')).toMatch(
      /CKA_CLASS, value: pkcs11js\.CKO_DATA[\s\S]*readAttributes\(module\.lib, session\.handle, handle, \[pkcs11js\.CKA_VALUE\]\)/,
    );
    // The places that set a value: a backup KEK loaded from its Shamir shares (it exists outside the token only as
    // shares), the anchor, and published test keys as session objects: RFC 5649's test KEK and examples
    // (rfc5649.ts), the pre-export self-test's keys (self-test.ts, from src/main/bundles/self-test-vectors.ts) and the
    // known answers of RSA-OAEP and of a token's own CKM_RSA_AES_KEY_WRAP (published-test-keys.ts, the same vectors).
    expect(
      all
        .filter((f) => /CKA_VALUE(?!_LEN)\b/.test(f.text))
        .map((f) => f.path)
        .sort(),
    ).toEqual([
      'src/main/hsm/host/audit-anchor.ts',
      'src/main/hsm/host/enforcement.ts',
      'src/main/hsm/host/published-test-keys.ts',
      'src/main/hsm/host/rfc5649.ts',
      'src/main/hsm/host/self-test.ts',
      'src/main/hsm/host/wrapping.ts',
    ]);
    // The test keys are published constants, and their objects are session objects.
    for (const file of [
      'src/main/hsm/host/rfc5649.ts',
      'src/main/hsm/host/self-test.ts',
      'src/main/hsm/host/published-test-keys.ts',
    ])
      expect(readFileSync(join(root, file), 'utf8')).toMatch(/CKA_TOKEN, value: false/);
  });

  it('imports pkcs11js and the CKM_RSA_AES_KEY_WRAP helper only in the HSM process (src/main/hsm/host)', () => {
    const importers = all.filter((f) => /from 'pkcs11js'/.test(f.text)).map((f) => f.path);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((p) => !p.startsWith('src/main/hsm/host/'))).toEqual([]);
    expect(all.filter((f) => /from 'keyward-rsa-aes-key-wrap'/.test(f.text)).map((f) => f.path)).toEqual([
      'src/main/hsm/host/native-rsa-aes.ts',
    ]);
  });

  it('writes nothing to the console from the HSM layer, the services or the renderer', () => {
    const allowed = new Set(['src/main/shell/main.ts']); // prints one line telling the officer how to quit
    expect(
      all
        .filter((f) => !allowed.has(f.path) && /\bconsole\.(log|info|warn|error|debug)\b/.test(f.text))
        .map((f) => f.path),
    ).toEqual([]);
  });

  it('gives the renderer no Node, Electron or main-process imports', () => {
    const renderer = all.filter((f) => f.path.startsWith('src/renderer/'));
    expect(
      renderer
        .filter((f) =>
          /from '(node:|electron|fs|path|child_process|pkcs11js|better-sqlite3)|from '\.\.\/(\.\.\/)?main\//.test(
            f.text,
          ),
        )
        .map((f) => f.path),
    ).toEqual([]);
  });
});
