import { randomBytes } from 'node:crypto';
import { AuditLog } from '../../src/main/store/audit-log';
import { openDatabase } from '../../src/main/store/database';
import { Officers } from '../../src/main/store/officers';
import { issueCertificate } from '../../src/main/x509/certificate';
import { softwareSigner } from '../helpers/software-signer';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';

test("the officers screen shows each officer's role and standing, never a secret, and the quorum policy", async ({
  app,
}, testInfo) => {
  const db = openDatabase(app.dataDir);
  const officers = new Officers(db, new AuditLog(db));
  const signer = softwareSigner('ECDSA_P256');
  const validity = { notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) };
  const workstation = await issueCertificate(
    {
      profile: 'workstation',
      subject: { commonName: 'WS' },
      subjectSpki: signer.spki,
      serial: randomBytes(16),
      ...validity,
    },
    signer,
  );
  const sealed = { salt: randomBytes(16), verifier: randomBytes(32), sealed: randomBytes(60) };
  for (const [id, displayName, role] of [
    ['alice', 'Alice Martin', 'security-officer'],
    ['bob', 'Bob Chen', 'key-custodian'],
  ] as const) {
    const officerKey = softwareSigner('ECDSA_P256');
    const certificateDer = await issueCertificate(
      {
        profile: 'approval',
        subject: { commonName: id, organizationalUnit: role },
        subjectSpki: officerKey.spki,
        issuer: { certificateDer: workstation },
        serial: randomBytes(16),
        ...validity,
      },
      signer,
    );
    officers.add(
      { id, displayName, role, kdf: 'scrypt', sealed, certificateDer },
      { actors: ['alice', 'bob'], ceremony: 'initialise' },
    );
  }
  // One wrong passphrase, found the way the app finds one.
  await officers.checkPassphrase('bob', () => Promise.resolve(undefined));
  db.close();

  const { page } = app;
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Officers' }).click();
  const list = page.getByRole('region', { name: 'Officers' });
  await expect(list.getByRole('row').filter({ hasText: 'Alice Martin' })).toContainText('Security officer');
  await expect(list.getByRole('row').filter({ hasText: 'Bob Chen' })).toContainText(
    '1 wrong passphrase since the last good one',
  );
  await expect(
    page.getByRole('region', { name: 'Quorum policy' }).getByRole('row').filter({ hasText: 'destroy-key' }),
  ).toContainText('2 distinct officers (dual control)');
  // What crosses to the renderer holds no passphrase verifier and no sealed key.
  const payload = await page.evaluate(async () =>
    JSON.stringify(
      await (window as unknown as { keyward: { getOfficers(request: object): Promise<unknown> } }).keyward.getOfficers(
        {},
      ),
    ),
  );
  for (const secret of [sealed.verifier, sealed.sealed, sealed.salt]) {
    expect(payload).not.toContain(secret.toString('base64'));
    expect(payload).not.toContain(secret.toString('hex'));
  }
  expect(payload).toContain('approvalKeyFingerprint');
  expect(payload).not.toMatch(/verifier|sealed/i);
  expect(await axeViolations(page)).toEqual([]);
  await pageShots(page, testInfo, 'officers');
});
