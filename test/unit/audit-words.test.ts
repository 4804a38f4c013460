/** The audit screen's words cover every step Keyward runs; a refusal's reason comes first. */
import { expect, it } from 'vitest';
import { ceremonyExecutors } from '../../src/main/ceremonies/registry';
import { auditActionText, auditDetailLines, stepActionWords } from '../../src/shared/audit-words';

it('names every step action in words (the closing checkpoint included)', () => {
  const actions = [...Object.keys(ceremonyExecutors), 'write-checkpoint'].sort();
  expect(actions.filter((a) => !stepActionWords[a])).toEqual([]);
});

it("puts a refusal's reason first, in words with its code, and shows hashes in groups", () => {
  const lines = auditDetailLines({
    details: { ceremony: 'c-1', stepDigest: 'ab'.repeat(32), error: 'QUORUM_NOT_MET' },
  });
  expect(lines[0]).toEqual({
    key: 'error',
    label: 'Why',
    value: 'the approvals needed were not all given (QUORUM_NOT_MET)',
    mono: false,
  });
  expect(lines.find((l) => l.key === 'stepDigest')?.value).toMatch(/^ABAB ABAB /);
  expect(lines.find((l) => l.key === 'step')).toBeUndefined();
});

it('shows a detail it has no words for under its own name, never dropping it', () => {
  expect(auditDetailLines({ details: { somethingNew: 3 } })).toEqual([
    { key: 'somethingNew', label: 'somethingNew', value: '3', mono: false },
  ]);
});

it("names a step entry by the step it ran, and any other by its action's words", () => {
  expect(auditActionText({ action: 'ceremony.step', details: { action: 'generate-key' } })).toBe(
    'Step run: generate a key',
  );
  expect(auditActionText({ action: 'hsm.login', details: { action: 'generate-key' } })).toBe('Token login');
  expect(auditActionText({ action: 'something.new', details: {} })).toBe('something.new');
});

it("reads a policy change's before and after as policies, and a state change as states", () => {
  const lines = auditDetailLines({
    details: {
      from: { quorum: 2, roles: ['security-officer', 'key-custodian'], approvalLifetimeHours: 8 },
      to: 'active',
    },
  });
  expect(lines.map((l) => `${l.label}: ${l.value}`)).toEqual([
    'Before: 2 approvals from security officer, key custodian, each valid 8 h',
    'After: active',
  ]);
});
