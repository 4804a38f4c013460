/**
 * A workstation for integration tests: a real SoftHSM token with a user login, the workstation signing
 * key in it and its self-signed certificate (signed in the token), and a real SQLite database.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { hsmSigner } from '../../src/main/identity/workstation-identity';
import { AuditLog } from '../../src/main/store/audit-log';
import { openDatabase, type Db } from '../../src/main/store/database';
import { issueCertificate } from '../../src/main/x509/certificate';
import type { Signer } from '../../src/main/x509/signer';
import type { SigningKeySpec } from '../../src/shared/keys';
import { initToken, makeSoftHsmDir, softhsmClient, type TestTokens } from './softhsm';

export interface TestWorkstation {
  tokens: TestTokens;
  client: HsmClient;
  uri: string;
  userPin: string[];
  soPin: string[];
  signer: Signer;
  /** The CKA_ID of the workstation signing key on the token. */
  keyId: string;
  certificateDer: Buffer;
  /** A scratch folder, removed by close(); the database is in its "data" folder. */
  dir: string;
  dataDir: string;
  db: Db;
  log: AuditLog;
  close(): void;
}

export async function testWorkstation(label: string, spec: SigningKeySpec = 'ECDSA_P384'): Promise<TestWorkstation> {
  const uri = `pkcs11:token=${encodeURIComponent(label)}`;
  const userPin = [`${label}-user-pin`];
  const soPin = [`${label}-so-pin`];
  const tokens = makeSoftHsmDir();
  initToken(tokens, label, userPin.join(''), soPin.join(''));
  const client = softhsmClient(tokens);
  await client.request('login', { uri, role: 'user', pinParts: userPin });
  const key = await client.request('generateSigningKey', { uri, id: newObjectId(), label: 'workstation', spec });
  const signer = hsmSigner(client, uri, key);
  const certificateDer = await issueCertificate(
    {
      profile: 'workstation',
      subject: { commonName: `WS ${label}`, organization: 'Example Org', organizationalUnit: 'Keyward workstation' },
      subjectSpki: key.publicKeySpki,
      serial: randomBytes(16),
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
    },
    signer,
  );
  const dir = mkdtempSync(join(tmpdir(), `keyward-${label.toLowerCase()}-`));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const db = openDatabase(dataDir);
  return {
    tokens,
    client,
    uri,
    userPin,
    soPin,
    signer,
    keyId: key.id,
    certificateDer,
    dir,
    dataDir,
    db,
    log: new AuditLog(db),
    close() {
      client.close();
      db.close();
      tokens.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
