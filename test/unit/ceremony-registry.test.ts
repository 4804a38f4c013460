/**
 * A ceremony type is one file and one registry line: everything else about it is derived from its
 * declaration. The catalogue the renderer shows, the rules the policies store starts from and the plan
 * reader must each list exactly the registered types, in the registry's order, with what each declares.
 */
import { expect, it } from 'vitest';
import { ceremonyCatalogue, ceremonyRules, ceremonyTypes, isCeremonyType } from '../../src/main/ceremonies/catalogue';
import { planOf } from '../../src/main/ceremonies/plan-file';
import { ceremonyDeclarations } from '../../src/main/ceremonies/types';

it('each registry key is its declaration’s type, and the catalogue lists them in the registry’s order', () => {
  for (const [key, declaration] of Object.entries(ceremonyDeclarations)) expect(declaration.type).toBe(key);
  expect(ceremonyTypes).toEqual(Object.keys(ceremonyDeclarations));
  expect(ceremonyCatalogue.map((entry) => entry.type)).toEqual(ceremonyTypes);
  expect(Object.keys(ceremonyRules)).toEqual(ceremonyTypes);
});

it('what the app shows of a type is what its file declares', () => {
  for (const entry of ceremonyCatalogue) {
    const declaration = ceremonyDeclarations[entry.type as keyof typeof ceremonyDeclarations];
    expect(entry).toEqual({
      type: declaration.type,
      title: declaration.title,
      description: declaration.description,
      policy: declaration.policy,
      dualControl: declaration.dualControl,
      form: declaration.form ?? null,
    });
    expect(ceremonyRules[declaration.type]).toEqual({
      policy: declaration.policy,
      dualControl: declaration.dualControl,
    });
    // A type under dual control never starts with a policy below two officers.
    if (declaration.dualControl) expect(declaration.policy.quorum).toBeGreaterThanOrEqual(2);
  }
});

it('a name the registry does not have is no ceremony type, and a plan naming one is refused with the list', () => {
  for (const name of ['rotate', 'toString', '__proto__', 'constructor', ''])
    expect(isCeremonyType(name), name).toBe(false);
  expect(() => planOf({ form: true }, { ceremony: 'constructor', officers: ['alice', 'bob'] })).toThrow(
    /"ceremony" must name a ceremony type \(initialise-workstation, generate-cmk/,
  );
});
