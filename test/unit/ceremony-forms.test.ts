/**
 * The app's form is data (each type's `form`, src/shared/ceremony-forms.ts for its kinds of field): each
 * field names the place in the plan it fills.
 * Filled in as an officer would, every type's form must give a plan its type's schema accepts, the very
 * schema a plan file is read with; a field naming a place the plan does not have, or a plan place no
 * field fills, fails here.
 */
import { expect, it } from 'vitest';
import { ceremonyCatalogue } from '../../src/main/ceremonies/catalogue';
import { planOf } from '../../src/main/ceremonies/plan-file';
import { planFromForm, shareDriveKey, versionValue, type FormField } from '../../src/shared/ceremony-forms';

const formOf = (type: string): FormField[] => ceremonyCatalogue.find((entry) => entry.type === type)?.form ?? [];
const formTypes = ceremonyCatalogue.filter((entry) => entry.form).map((entry) => entry.type);

const sampleText: Record<string, string> = {
  'officer.id': 'erin',
  'hsm.module': '/usr/lib/softhsm/libsofthsm2.so',
  'hsm.token': 'pkcs11:token=CMK%20HSM',
  officer: 'erin',
};

function filledIn(type: string) {
  const values: Record<string, string> = { wrappingKeyFile: '/media/a/wrapping-key.pem' };
  const lists: Record<string, string[]> = {};
  for (const field of formOf(type)) {
    switch (field.kind) {
      case 'text':
      case 'key':
        values[field.path] = (sampleText[field.path] ?? (field.kind === 'text' && field.initial)) || 'Tenant CMK';
        break;
      case 'officer':
        values[field.path] = 'erin';
        break;
      case 'key-version':
        values[field.path] = versionValue('Tenant CMK', 1);
        break;
      case 'key-versions':
        lists[field.path] = [versionValue('Tenant CMK', 1)];
        break;
      case 'roles':
        lists[field.path] = ['security-officer'];
        break;
      case 'drive':
        values[field.path] = '/media/a';
        if (field.drivePath) values[field.drivePath] = 'KEYWARD-A';
        break;
      case 'folder':
        values[field.path] = '/media/a/keyward-backup-1';
        break;
      case 'share-holders':
        values[shareDriveKey(field.path, 'alice')] = '/media/b';
        values[shareDriveKey(field.path, 'bob')] = '/media/c';
        break;
      case 'file-on-drive':
        values[`${field.path}.drive`] = '/media/a';
        values[`${field.path}.name`] = 'audit.jsonl';
        break;
      case 'choice':
      case 'ceremony-type':
      case 'provider':
        break; // their initial values stand
    }
  }
  return planFromForm(type, formOf(type), values, ['alice', 'bob'], lists);
}

it('every type but the initialisation (its own form) has a form', () => {
  expect(formTypes).toEqual(
    ceremonyCatalogue.map((entry) => entry.type).filter((type) => type !== 'initialise-workstation'),
  );
});

it.each(formTypes)('the %s form gives a plan its type reads', (type) => {
  const plan = filledIn(type);
  expect(() => planOf({ form: true }, plan)).not.toThrow();
  expect(planOf({ form: true }, plan).type).toBe(type);
});

it('a form left empty is refused naming the field by its label, and the place in the plan for the form to show it', () => {
  const refusal = (() => {
    try {
      planOf({ form: true }, planFromForm('change-hsm', formOf('change-hsm'), {}, ['alice', 'bob'], {}));
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  const label = formOf('change-hsm').find((f) => 'path' in f && f.path === 'hsm.module');
  expect(label && 'label' in label).toBe(true);
  expect(refusal).toMatchObject({
    code: 'PLAN_INVALID',
    field: 'hsm.module',
    message: `The ceremony form was refused: ${label && 'label' in label ? label.label : ''}: nothing was given.`,
  });
  // A plan file names the path, as the file spells it.
  expect(() =>
    planOf({ file: 'plan.yaml' }, planFromForm('change-hsm', formOf('change-hsm'), {}, ['alice', 'bob'], {})),
  ).toThrow('The plan file plan.yaml was refused: hsm.module: nothing was given.');
});
