/**
 * A verification passed once is not repeated for the very same inputs; any byte that differs, and any
 * verification that failed, is verified again: a memo can never turn a bad signature into a good one.
 */
import { describe, expect, it } from 'vitest';
import { VerifiedOnce } from '../../src/main/x509/verified-once';

describe('VerifiedOnce', () => {
  it('runs the verification again for different inputs, and after a failure; only the same passed inputs are remembered', () => {
    const memo = new VerifiedOnce();
    let runs = 0;
    const verifying = (result: boolean) => () => {
      runs++;
      return result;
    };
    expect(memo.check([Buffer.from('cert'), 'message', Buffer.from('sig')], verifying(true))).toBe(true);
    expect(memo.check([Buffer.from('cert'), 'message', Buffer.from('sig')], verifying(false))).toBe(true);
    expect(runs).toBe(1);
    // One byte differs, or the parts are cut differently: verified afresh, and a failure stands.
    expect(memo.check([Buffer.from('cert'), 'message', Buffer.from('siG')], verifying(false))).toBe(false);
    expect(memo.check([Buffer.from('cer'), 'tmessage', Buffer.from('sig')], verifying(false))).toBe(false);
    expect(runs).toBe(3);
    expect(memo.check([Buffer.from('cert'), 'message', Buffer.from('siG')], verifying(true))).toBe(true);
    expect(runs).toBe(4);
  });

  it('forgets everything once full, never failing open', () => {
    const memo = new VerifiedOnce(2);
    let runs = 0;
    const pass = () => {
      runs++;
      return true;
    };
    for (const name of ['a', 'b', 'c', 'a']) memo.check([name], pass);
    expect(runs).toBe(4);
  });
});
