/**
 * A SoftHSM workstation set up to make upload bundles outside a ceremony: three officers with approval
 * certificates, an audit checkpoint, CMKs in the token and the inventory, provider wrapping keys imported
 * by the security officer, and exports approved by alice (security officer) and bob (key custodian).
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exportBundle, planExport, type ExportContext, type ExportRequest } from '../../src/main/bundles/export-bundle';
import type { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { Checkpoints } from '../../src/main/store/checkpoints';
import { Inventory } from '../../src/main/store/inventory';
import { WrappingKeys } from '../../src/main/store/wrapping-keys';
import { issueCertificate } from '../../src/main/x509/certificate';
import type { WrappingKeyRecord } from '../../src/shared/inventory';
import type { CmkSpec } from '../../src/shared/keys';
import type { QuorumPolicy } from '../../src/shared/officers';
import type { ProviderImport } from '../../src/shared/providers';
import { approve, type TestOfficer } from './signed-approval';
import { testWorkstation, type TestWorkstation } from './workstation';
import { importProviderWrappingKey } from './wrapping-key';

export const exportPolicy: QuorumPolicy = {
  quorum: 2,
  roles: ['security-officer', 'key-custodian'],
  approvalLifetimeHours: 8,
};

export interface ExportBench {
  ws: TestWorkstation;
  client: HsmClient;
  uri: string;
  dir: string;
  context: ExportContext;
  officers: TestOfficer[];
  signerFingerprint: string;
  login: (role: 'user' | 'security-officer') => Promise<void>;
  /** A CMK in the token and the inventory, its versions active then pending: version 1, or the next of `name`. */
  cmk(spec?: CmkSpec, name?: string): Promise<{ name: string; version: number; kcv: string; tokenObjectId: string }>;
  /** The provider's wrapping key onto the token, as the security officer. */
  wrappingKey(params: ProviderImport): Promise<WrappingKeyRecord>;
  /** A bundle of this key version, planned and approved by the quorum, written to a new drive folder. */
  exportBundle(
    params: ProviderImport,
    key: { name: string; version: number },
    wrappingKey: WrappingKeyRecord,
    extra?: Partial<ExportRequest>,
  ): ReturnType<typeof exportBundle>;
  close(): void;
}

export async function exportBench(label: string): Promise<ExportBench> {
  const ws = await testWorkstation(label);
  const { client, uri, dir, db, log, signer } = ws;
  const validity = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 365 * 86_400_000) };
  const officers: TestOfficer[] = [];
  for (const [name, role] of [
    ['alice', 'security-officer'],
    ['bob', 'key-custodian'],
    ['carol', 'auditor'],
  ] as const) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const certificate = await issueCertificate(
      {
        profile: 'approval',
        subject: { commonName: name, organization: 'Example Org', organizationalUnit: role },
        subjectSpki: pair.publicKey.export({ type: 'spki', format: 'der' }),
        issuer: { certificateDer: ws.certificateDer },
        serial: randomBytes(16),
        ...validity,
      },
      signer,
    );
    officers.push({ name, role, privateKey: pair.privateKey, certificate });
  }
  const context: ExportContext = {
    client,
    uri,
    signer,
    certificateDer: ws.certificateDer,
    log,
    checkpoints: new Checkpoints(db, log),
    inventory: new Inventory(db, log),
    wrappingKeys: new WrappingKeys(db, log),
    generator: 'Keyward test',
  };
  await context.checkpoints.write(signer, ['alice']);
  const login = async (role: 'user' | 'security-officer') => {
    await client.request('login', { uri, role, pinParts: role === 'user' ? ws.userPin : ws.soPin });
  };
  let cmkCount = 0;
  return {
    ws,
    client,
    uri,
    dir,
    context,
    officers,
    signerFingerprint: createHash('sha256').update(signer.spki).digest('hex'),
    login,
    async cmk(spec = 'AES_256', existing) {
      const name = existing ?? `CMK ${(cmkCount += 1)}`;
      const version = existing ? (context.inventory.get(existing).versions.at(-1)?.version ?? 0) + 1 : 1;
      await login('user');
      const key = await client.request('generateCmk', { uri, id: newObjectId(), label: `${name} v${version}`, spec });
      const change = { actors: ['alice', 'bob'], ceremony: `gen-${name}-${version}` };
      if (!existing) context.inventory.addKey({ name, purpose: 'tenant data', provider: null, spec }, change);
      context.inventory.addVersion(
        name,
        { tokenSerial: 'x', tokenObjectId: key.id, tokenLabel: key.label, kcv: key.kcv },
        change,
      );
      if (version === 1) context.inventory.setState(name, 1, 'active', change);
      return { name, version, kcv: key.kcv, tokenObjectId: key.id };
    },
    async wrappingKey(params) {
      await login('security-officer');
      return importProviderWrappingKey(
        client,
        uri,
        context.wrappingKeys,
        params,
        `${params.provider} ${randomBytes(3).toString('hex')}`,
        { actors: ['alice'], ceremony: null },
      );
    },
    async exportBundle(params, key, wrappingKey, extra = {}) {
      if (params.algorithm.startsWith('RSA_AES')) {
        await login('security-officer');
        await client.request('prepareRsaAesWrap', { uri });
      }
      await login('user');
      const parent = join(dir, `drive-${randomBytes(4).toString('hex')}`);
      mkdirSync(parent);
      // The destination is part of what the officers approve, so it is planned with the rest.
      const base = {
        keyName: key.name,
        version: key.version,
        wrappingKeyId: wrappingKey.id,
        params,
        ceremonyId: `export-${key.name}-${key.version}`,
        destination: extra.destination ?? { parent, drive: 'TEST-USB' },
      };
      const plan = planExport(context, base);
      return exportBundle(context, {
        ...base,
        policy: exportPolicy,
        approvals: [
          approve(officers[0] as TestOfficer, plan.stepDigest),
          approve(officers[1] as TestOfficer, plan.stepDigest),
        ],
        actors: ['alice', 'bob'],
        ...extra,
      });
    },
    close: () => ws.close(),
  };
}
