/**
 * Certificates an organisation's CA might issue, with exactly the extensions asked for: made with the
 * openssl CLI, and with Keyward's own issuer where openssl 3.0 cannot set past dates. And what
 * `--ca` mode says about a bundle manifest such a certificate signed.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFileName, signatureFileName, signerFileName } from '../../src/main/bundles/manifest';
import { verifyBundle } from '../../src/main/bundles/verify-bundle';
import { issueCertificate } from '../../src/main/x509/certificate';
import { digestOfBytes, signDetached } from '../../src/main/x509/cms';
import { keyIdentifier, type Signer } from '../../src/main/x509/signer';
import { keywardWorkstationEkuOpenssl } from '../../src/shared/keyward-eku';

export interface Holder {
  /** The certificate, DER. */
  certificate: Buffer;
  key: KeyObject;
}

/** What the CA includes when it certifies a Keyward workstation key: its extended key usage. */
export const keywardEkuExtension = keywardWorkstationEkuOpenssl;
/** A workstation certificate as the organisation's CA properly issues it. */
export const leafExtensions = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  keywardEkuExtension,
];
export const caExtensions = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign'];

/** The holder's key as a Keyward signer (ECDSA P-256, r||s like the HSM). */
export function signerOf(key: KeyObject): Signer {
  return {
    spec: 'ECDSA_P256',
    spki: createPublicKey(key).export({ type: 'spki', format: 'der' }),
    sign: (data) =>
      Promise.resolve({
        hash: 'sha256',
        scheme: 'ecdsa-p1363',
        signature: sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }),
      }),
  };
}

export interface CertificateWorkshop {
  /** A self-signed certificate with exactly these extensions (openssl req -x509). */
  selfSigned: (name: string, extensions: string[]) => Holder;
  /** A certificate `issuer` signs, with exactly these extensions (openssl x509 -req). */
  issued: (name: string, issuer: Holder, extensions: string[]) => Holder;
  /** Keyward's own issuer, for validity periods openssl 3.0 cannot backdate. */
  issuedWithDates: (
    name: string,
    issuer: Holder | 'self',
    profile: 'workstation' | 'approval',
    notBefore: Date,
    notAfter: Date,
  ) => Promise<Holder>;
  /** What verifyBundle says about the signer's trust, with `ca` given as the CA (the hand-made manifest's format is not at issue). */
  bundleTrustProblems: (name: string, signer: Holder, ca: Holder, createdAt?: Date) => Promise<string[]>;
}

/** Keys, certificates and bundles written to `folder()` (asked each time, so a test may create it in beforeAll). */
export function certificateWorkshop(folder: () => string): CertificateWorkshop {
  let serial = 1;
  const openssl = (args: string[], input?: Buffer): Buffer =>
    execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });

  function newKey(name: string): string {
    const path = join(folder(), `${name}.key`);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
    return path;
  }

  const holderOf = (pem: Buffer, keyPath: string): Holder => ({
    certificate: new X509Certificate(pem).raw,
    key: createPrivateKey(readFileSync(keyPath)),
  });

  // Its key identifier is the one Keyward's issuer writes as the authority key identifier, so certificates from both issuers chain.
  function selfSigned(name: string, extensions: string[]): Holder {
    const keyPath = newKey(name);
    const keyId = keyIdentifier(
      createPublicKey(readFileSync(keyPath)).export({ type: 'spki', format: 'der' }),
    ).toString('hex');
    const config = join(folder(), `${name}.cnf`);
    writeFileSync(
      config,
      [
        '[req]',
        'distinguished_name = dn',
        'x509_extensions = ext',
        'prompt = no',
        '[dn]',
        'O = Example Org',
        `CN = ${name}`,
        '[ext]',
        ...extensions,
        `subjectKeyIdentifier = ${keyId}`,
      ].join('\n'),
    );
    return holderOf(openssl(['req', '-x509', '-new', '-key', keyPath, '-config', config, '-days', '30']), keyPath);
  }

  function issued(name: string, issuer: Holder, extensions: string[]): Holder {
    const keyPath = newKey(name);
    const csr = openssl(['req', '-new', '-key', keyPath, '-subj', `/O=Example Org/OU=Keyward workstation/CN=${name}`]);
    const issuerCert = join(folder(), `issuer-${serial}.pem`);
    const issuerKey = join(folder(), `issuer-${serial}.key`);
    writeFileSync(issuerCert, new X509Certificate(issuer.certificate).toString());
    writeFileSync(issuerKey, issuer.key.export({ type: 'pkcs8', format: 'pem' }));
    const extfile = join(folder(), `${name}.ext`);
    writeFileSync(extfile, extensions.join('\n'));
    return holderOf(
      openssl(
        [
          'x509',
          '-req',
          '-CA',
          issuerCert,
          '-CAkey',
          issuerKey,
          '-set_serial',
          String(serial++),
          '-days',
          '30',
          '-extfile',
          extfile,
        ],
        csr,
      ),
      keyPath,
    );
  }

  async function issuedWithDates(
    name: string,
    issuer: Holder | 'self',
    profile: 'workstation' | 'approval',
    notBefore: Date,
    notAfter: Date,
  ): Promise<Holder> {
    const key = createPrivateKey(readFileSync(newKey(name)));
    const subjectSpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const request = {
      profile,
      subject: { commonName: name, organization: 'Example Org' },
      subjectSpki,
      serial: randomBytes(16),
      notBefore,
      notAfter,
    };
    const certificate =
      issuer === 'self'
        ? await issueCertificate(request, signerOf(key))
        : await issueCertificate({ ...request, issuer: { certificateDer: issuer.certificate } }, signerOf(issuer.key));
    return { certificate, key };
  }

  /** A bundle's signed manifest and its signer certificate; the rest of the bundle is beside the point here. */
  async function bundleSignedBy(name: string, signer: Holder, createdAt: Date): Promise<string> {
    const bundle = join(folder(), `bundle-${name}`);
    mkdirSync(bundle);
    const manifest = Buffer.from(
      JSON.stringify({ format: 'keyward-upload-bundle', createdAt: createdAt.toISOString() }),
    );
    writeFileSync(join(bundle, manifestFileName), manifest);
    writeFileSync(
      join(bundle, signatureFileName),
      await signDetached(digestOfBytes(manifest), signerOf(signer.key), signer.certificate, createdAt),
    );
    writeFileSync(join(bundle, signerFileName), new X509Certificate(signer.certificate).toString());
    return bundle;
  }

  async function bundleTrustProblems(
    name: string,
    signer: Holder,
    ca: Holder,
    createdAt = new Date(),
  ): Promise<string[]> {
    // The CA as an officer would hand it over: a PEM file.
    const report = verifyBundle(await bundleSignedBy(name, signer, createdAt), {
      caCertificate: Buffer.from(new X509Certificate(ca.certificate).toString()),
    });
    return report.problems.filter((p) => !p.startsWith("the manifest is not in Keyward's format"));
  }

  return { selfSigned, issued, issuedWithDates, bundleTrustProblems };
}
