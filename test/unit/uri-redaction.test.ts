import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import type { Handlers } from '../../src/shared/contract';
import { parseTokenUri } from '../../src/shared/pkcs11-uri';

describe('a PIN typed into a token address by mistake', () => {
  it('is never repeated back in an error, from the parser or through the contract', async () => {
    expect(() => parseTokenUri('pkcs11:token=CMK?pin-value=8675309')).toThrow('The token address "pkcs11:token=CMK?…"');
    let message = '';
    try {
      parseTokenUri('pkcs11:token=CMK?pin-value=8675309');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('8675309');
    const result = await dispatch({} as Handlers, 'selectHsm', {
      mode: 'hsm',
      modulePath: '/x.so',
      tokenUri: 'pkcs11:token=CMK?pin-value=8675309',
    });
    expect(JSON.stringify(result)).not.toContain('8675309');
  });
});
