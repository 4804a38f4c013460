/** A token deleted under the running HSM layer: clear errors naming it, and recovery without a restart. */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { KeywardError } from '../../src/shared/errors';
import { initToken, makeSoftHsmDir, softhsmClient, type TestTokens } from '../helpers/softhsm';

let tokens: TestTokens;
let client: HsmClient;
beforeAll(() => {
  tokens = makeSoftHsmDir();
  client = softhsmClient(tokens);
});
afterAll(() => {
  client.close();
  tokens.cleanup();
});

describe('a token removed while Keyward runs', () => {
  it('is reported by name, and a token put back is used without restarting the HSM process', async () => {
    const serial = initToken(tokens, 'Removable', '1234');
    const uri = `pkcs11:token=Removable;serial=${serial}`;
    await client.request('login', { uri, role: 'user', pinParts: ['1234'] });
    const before = await client.request('generateCmk', {
      uri,
      id: newObjectId(),
      label: 'before removal',
      spec: 'AES_256',
    });
    expect(before.kcv).toMatch(/^[0-9a-f]{6}$/);

    execFileSync('softhsm2-util', ['--delete-token', '--serial', serial], {
      env: { ...process.env, ...tokens.env },
      stdio: 'pipe',
    });

    let failure: unknown;
    try {
      await client.request('generateCmk', { uri, id: newObjectId(), label: 'after removal', spec: 'AES_256' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(KeywardError);
    const error = failure as KeywardError;
    expect(['HSM_DEVICE_ERROR', 'HSM_TOKEN_NOT_FOUND']).toContain(error.code);
    expect(error.message).toMatch(/Removable|serial/);
    expect(error.nextStep.length).toBeGreaterThan(10);

    const serial2 = initToken(tokens, 'Removable', '1234');
    const uri2 = `pkcs11:token=Removable;serial=${serial2}`;
    await client.request('login', { uri: uri2, role: 'user', pinParts: ['1234'] });
    const after = await client.request('generateCmk', {
      uri: uri2,
      id: newObjectId(),
      label: 'after reinsertion',
      spec: 'AES_256',
    });
    expect(after.kcv).toMatch(/^[0-9a-f]{6}$/);
  });
});
