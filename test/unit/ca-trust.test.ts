/**
 * `--ca` mode accepts what an organisation's CA properly issued to a workstation. (Certificates it must
 * refuse are attacked in test/security/ca-mode-checks-constraints-and-validity.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caExtensions,
  certificateWorkshop,
  keywardEkuExtension,
  leafExtensions,
  type Holder,
} from '../helpers/ca-certificates';

let dir: string;
const { selfSigned, issued, bundleTrustProblems } = certificateWorkshop(() => dir);
let orgCa: Holder;
let properLeaf: Holder;
/** A workstation certificate without a keyUsage extension: allowed to sign, but no CA. */
let leafWithoutKeyUsage: Holder;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-ca-trust-'));
  orgCa = selfSigned('Example Org CA', caExtensions);
  properLeaf = issued('WS Vault Room', orgCa, leafExtensions);
  leafWithoutKeyUsage = issued('WS no key usage', orgCa, [
    'basicConstraints = critical, CA:FALSE',
    keywardEkuExtension,
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--ca mode for bundles', () => {
  it('accepts a workstation certificate the CA issued: an end entity allowed to sign, with the Keyward workstation EKU, valid when it signed', async () => {
    expect(await bundleTrustProblems('proper', properLeaf, orgCa)).toEqual([]);
    // And a leaf without a keyUsage extension (no restriction) as well.
    expect(await bundleTrustProblems('no-key-usage', leafWithoutKeyUsage, orgCa)).toEqual([]);
  });
});
