import { describe, expect, it } from 'vitest';
import { KeywardError } from '../../src/shared/errors';
import { formatTokenUri, parseTokenUri, selectorMatches } from '../../src/shared/pkcs11-uri';

describe('PKCS#11 token URIs (RFC 7512)', () => {
  it('parses the attributes that name a token, percent-decoding values', () => {
    expect(parseTokenUri('pkcs11:token=CMK%20HSM;serial=00a1;manufacturer=Acme%2C%20Inc.;model=X%2F1')).toEqual({
      token: 'CMK HSM',
      serial: '00a1',
      manufacturer: 'Acme, Inc.',
      model: 'X/1',
    });
  });

  it('formats in a fixed order and round-trips any label', () => {
    const selector = {
      token: 'Keyward Rehearsal; ü?#%',
      serial: 'e92c78fc00027749',
      manufacturer: 'SoftHSM project',
      model: 'SoftHSM v2',
    };
    const uri = formatTokenUri(selector);
    expect(uri).toBe(
      'pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial=e92c78fc00027749;token=Keyward%20Rehearsal%3B%20%C3%BC%3F%23%25',
    );
    expect(parseTokenUri(uri)).toEqual(selector);
  });

  it.each([
    ['token=x', 'must begin with "pkcs11:"'],
    ['pkcs11:', 'names no token'],
    ['pkcs11:token=x?pin-value=1234', 'a PIN is never part of an address'],
    ['pkcs11:slot-id=0', '"slot-id" is not an attribute Keyward uses'],
    ['pkcs11:token=a;token=b', '"token" appears twice'],
    ['pkcs11:token=a b', 'the character " " must be percent-encoded'],
    ['pkcs11:token=%zz', '"%" must start a %XX escape'],
    ['pkcs11:token=%ff', 'does not decode to UTF-8 text'],
    ['pkcs11:token', 'is not of the form name=value'],
  ])('refuses %s with a precise reason', (uri, reason) => {
    let thrown: unknown;
    try {
      parseTokenUri(uri);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeywardError);
    expect((thrown as KeywardError).code).toBe('INVALID_PKCS11_URI');
    expect((thrown as KeywardError).message).toContain(reason);
  });

  it('matches on every attribute given and ignores the ones left out', () => {
    const token = { token: 'A', serial: '1', manufacturer: 'M', model: 'X' };
    expect(selectorMatches({ token: 'A' }, token)).toBe(true);
    expect(selectorMatches({ token: 'A', serial: '1' }, token)).toBe(true);
    expect(selectorMatches({ token: 'A', serial: '2' }, token)).toBe(false);
  });
});
