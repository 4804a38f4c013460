/**
 * The app's form is data (src/shared/ceremony-forms.ts): each field names the place in the plan it fills.
 * Filled in as an officer would, every type's form must give a plan its type's schema accepts, the very
 * schema a plan file is read with; a field naming a place the plan does not have, or a plan place no
 * field fills, fails here.
 */
import { expect, it } from 'vitest';
import { planOf } from '../../src/main/ceremonies/plan-file';
import { ceremonyForms, planFromForm, versionValue, type FormType } from '../../src/shared/ceremony-forms';

const sampleText: Record<string, string> = {
  'officer.id': 'erin',
  'hsm.module': '/usr/lib/softhsm/libsofthsm2.so',
  'hsm.token': 'pkcs11:token=CMK%20HSM',
  officer: 'erin',
};

function filledIn(type: FormType) {
  const values: Record<string, string> = { wrappingKeyFile: '/media/a/wrapping-key.pem' };
  const lists: Record<string, string[]> = {};
  for (const field of ceremonyForms[type]) {
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
      case 'drives':
        lists[field.path] = ['/media/b', '/media/c'];
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
  return planFromForm(type, values, ['alice', 'bob'], lists);
}

it.each(Object.keys(ceremonyForms) as FormType[])('the %s form gives a plan its type reads', (type) => {
  const plan = filledIn(type);
  expect(() => planOf({ form: true }, plan)).not.toThrow();
  expect(planOf({ form: true }, plan).type).toBe(type);
});

it('a form left empty is refused naming the place in the plan', () => {
  expect(() => planOf({ form: true }, planFromForm('change-hsm', {}, ['alice', 'bob'], {}))).toThrow(/hsm\.module/);
});
