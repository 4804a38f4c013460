import { describe, expect, it } from 'vitest';
import { ceremonyRules } from '../../src/main/ceremonies/catalogue';
import { foundingRuleInWords, selfGovernanceProblems, type RuleOf } from '../../src/shared/founding';
import { maxPassphraseAttempts, type OfficerRole } from '../../src/shared/officers';

const set = (...roles: OfficerRole[]) => roles.map((role, i) => ({ id: `o${i}`, role }));
/** The rules each type declares (src/main/ceremonies/types), as a new workstation has them. */
const defaults: RuleOf = (type) => ceremonyRules[type];
/** The defaults, with enrolling under three approvals from security officers or custodians. */
const enrolByThree: RuleOf = (type) =>
  type === 'enrol-officer'
    ? {
        ...ceremonyRules[type],
        policy: { quorum: 3, roles: ['security-officer', 'key-custodian'], approvalLifetimeHours: 8 },
      }
    : ceremonyRules[type];

describe('a set of officers governs itself only if any one of them can be locked out', () => {
  it('under the default policies, three security officers are needed: two are refused, whatever else is named', () => {
    expect(
      selfGovernanceProblems(
        set('security-officer', 'security-officer', 'security-officer', 'key-custodian'),
        defaults,
      ),
    ).toEqual([]);
    expect(selfGovernanceProblems(set('security-officer', 'security-officer', 'security-officer'), defaults)).toEqual(
      [],
    );
    const [problem, ...more] = selfGovernanceProblems(
      set('security-officer', 'key-custodian', 'security-officer', 'auditor', 'key-custodian'),
      defaults,
    );
    expect(more).toEqual([]);
    expect(problem).toBe(
      'Unlocking an officer, enrolling an officer, removing an officer and changing a policy each need 2 approvals from security officer, so 3 are needed for the workstation to unlock any one of them who is locked out; the officers name 2 (o0, o2). Add 1 more in that role.',
    );
    expect(selfGovernanceProblems(set('key-custodian', 'auditor'), defaults)[0]).toContain(
      'the officers name 0. Add 3 more',
    );
  });

  it('follows the policies it is given: each distinct requirement is named once, with the ceremonies it covers', () => {
    const problems = selfGovernanceProblems(
      set('security-officer', 'security-officer', 'security-officer'),
      enrolByThree,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^Enrolling an officer needs 3 approvals from key custodian, security officer, so 4 are needed/,
    );
  });

  it("the initialisation form's rule is worded from the same policies and lock-out limit, so it never disagrees with the check", () => {
    expect(foundingRuleInWords(defaults)).toBe(
      `An officer who types a wrong passphrase ${maxPassphraseAttempts} times is locked out, and only the others can unlock them: unlocking an officer, enrolling an officer, removing an officer and changing a policy each need 2 approvals from security officers, so name at least 3 security officers.`,
    );
    expect(foundingRuleInWords(enrolByThree)).toContain(
      'enrolling an officer needs 3 approvals from officers in the roles key custodian, security officer, so name at least 4 in those roles',
    );
  });
});
