/**
 * An error completed with what became of the work (withOutcome) keeps no claim that nothing happened: the
 * outcome, added after it, says what did. A claim left in ("Nothing was completed by that operation"),
 * followed by "Step 2 is left running", would contradict itself.
 */
import { describe, expect, it } from 'vitest';
import { KeywardError, withOutcome } from '../../src/shared/errors';

describe('an error completed with its outcome', () => {
  it.each([
    ['Nothing was done.'],
    ['Nothing was changed on the token.'],
    ['Nothing was completed by that operation.'],
    ['Nothing further was written.'],
    ['Nothing has been destroyed.'],
  ])('drops the claim "%s" from the message and the next step, and adds what happened', (claim) => {
    const error = new KeywardError(
      'HSM_PROCESS_FAILED',
      `The HSM process stopped while generating a key. ${claim}`,
      `${claim} Check that the HSM is connected, then try again.`,
    );
    const completed = withOutcome(error, 'Step 2 is left running.', 'The next login rolls it back first.');
    for (const text of [completed.message, completed.nextStep]) expect(text).not.toContain(claim);
    expect(completed.message).toBe('The HSM process stopped while generating a key. Step 2 is left running.');
    expect(completed.nextStep).toBe(
      'Check that the HSM is connected, then try again. The next login rolls it back first.',
    );
    expect(completed.code).toBe('HSM_PROCESS_FAILED');
  });

  it('keeps what is not such a claim', () => {
    const error = new KeywardError('HSM_PIN_INCORRECT', 'The PIN was wrong. No PIN was stored.', 'Type it again.');
    expect(withOutcome(error, 'Step 1 failed.', 'Run it again.').message).toBe(
      'The PIN was wrong. No PIN was stored. Step 1 failed.',
    );
  });
});
