/** `keyward token list`, run as an officer would, through the built CLI. */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { constants, createCipheriv, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/store/audit-log';
import { databaseFileName, openDatabase } from '../../src/main/store/database';
import { Inventory } from '../../src/main/store/inventory';
import { airGapStatus } from '../../src/main/system/air-gap';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { foundingOfficerArgs, foundingPassphrases, workstationInitArgs } from '../helpers/founding';
import { editedPlan } from '../helpers/plans';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

let dataDir: string;
let tokens: TestTokens;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-cli-'));
  tokens = makeSoftHsmDir();
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
  tokens.cleanup();
});

function keyward(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['bin/keyward.mjs', ...args], {
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('keyward token list', () => {
  it('prints the rehearsal token as JSON, marked as rehearsal', () => {
    const { code, stdout } = keyward(['token', 'list', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      rehearsal: boolean;
      selectedTokenUri: string;
      tokens: { label: string; uri: string }[];
    };
    expect(report.rehearsal).toBe(true);
    expect(report.tokens.map((t) => t.label)).toEqual(['Keyward Rehearsal']);
    expect(report.selectedTokenUri).toBe(report.tokens[0]?.uri);
  });

  it('says REHEARSAL in its text output', () => {
    const { code, stdout } = keyward(['token', 'list']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\*\*\* REHEARSAL/);
    expect(stdout).toContain('Token    Keyward Rehearsal  [selected]');
  });

  it('reads the token a --module and --token name, without the rehearsal banner', () => {
    const serial = initToken(tokens, 'Vault CMK');
    initToken(tokens, 'Other');
    const { code, stdout } = keyward(
      ['token', 'list', '--json', '--module', softhsmModule, '--token', 'pkcs11:token=Vault%20CMK'],
      tokens.env,
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { rehearsal: boolean; tokens: { label: string; serial: string }[] };
    expect(report.rehearsal).toBe(false);
    expect(report.tokens).toMatchObject([{ label: 'Vault CMK', serial }]);
  });

  it('probes the rehearsal token, naming what is missing', () => {
    const { code, stdout } = keyward(['token', 'probe', '--json']);
    expect(code).toBe(0);
    const probe = JSON.parse(stdout) as {
      rehearsal: boolean;
      token: { label: string };
      capabilities: { wrapping: Record<string, boolean>; missing: Record<string, string> };
      features: { feature: string; supported: boolean }[];
    };
    expect(probe.rehearsal).toBe(true);
    expect(probe.token.label).toBe('Keyward Rehearsal');
    expect(probe.capabilities.wrapping.rsaOaepSha1).toBe(true);
    expect(probe.capabilities.missing.rsaOaepSha256).toContain('CKR_ARGUMENTS_BAD');
    expect(probe.features.find((f) => f.feature.startsWith('Export by RSA-OAEP, SHA-256'))?.supported).toBe(false);
    const text = keyward(['token', 'probe']).stdout;
    expect(text).toContain('NO   RSA-OAEP, SHA-256');
    expect(text).toMatch(/NO {3}Export by RSA-OAEP, SHA-256 .*: CKM_RSA_PKCS_OAEP with SHA-256/);
    const markdown = keyward(['token', 'probe', '--markdown']).stdout;
    expect(markdown).toMatch(/^# SoftHSM project SoftHSM v2: capability sheet\n/);
    expect(markdown).toContain('| Backup and restore (RFC 5649 under a backup key) | yes |');
  });

  it('asks which token to probe when a module has several', () => {
    initToken(tokens, 'One');
    initToken(tokens, 'Two');
    const { code, stderr } = keyward(['token', 'probe', '--module', softhsmModule], tokens.env);
    expect(code).toBe(1);
    expect(stderr).toContain('has 2 initialised tokens');
    expect(stderr).toContain('Next step: Name the token with --token');
  });

  it('verifies the audit log, and names the first tampered entry with exit code 1', () => {
    const db = openDatabase(dataDir);
    const log = new AuditLog(db);
    for (let i = 1; i <= 5; i++)
      log.append({ actors: ['alice'], action: 'test.entry', subject: `s${i}`, outcome: 'success', details: {} });
    db.close();
    // Before initialisation there is no workstation key or anchor in the HSM: the chain alone is not called verified.
    const unanchored = keyward(['audit', 'verify']);
    expect(unanchored.code).toBe(1);
    expect(unanchored.stdout).toContain('AUDIT LOG NOT FULLY VERIFIED: the hash chain of its 5 entries is intact');
    expect(unanchored.stdout).toContain('not initialised');
    const raw = new Database(join(dataDir, databaseFileName));
    raw.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET subject = 'forged' WHERE seq = 3;");
    raw.close();
    const bad = keyward(['audit', 'verify', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      chain: { ok: false, entries: 2, problem: { seq: 3, kind: 'edited' } },
    });
  });

  it.each([
    [['audit', 'export'], 2, 'audit export needs --out FILE'],
    [['audit', 'verify', '--signer-fingerprint', 'abc'], 2, '64 hex digits'],
    [['token', 'list', '--token', 'pkcs11:token=x'], 2, '--token needs --module'],
    [['token', 'list', '--module', 'libsofthsm2.so'], 2, '--module must be an absolute path'],
    [['token', 'list', '--module', '/x.so', '--token', 'token=x'], 2, 'must begin with "pkcs11:"'],
    [['token', 'list', '--colour'], 2, "Unknown option '--colour'"],
    [['key', 'burn'], 2, '"key burn" is not a keyward command'],
    [['ceremony', 'resume', 'yesterday', '--out', '/tmp'], 2, 'ceremony resume needs exactly one ceremony ID'],
    [['ceremony', 'resume', 'generate-cmk-0f1e2d3c-1111-2222-3333-444455556666'], 2, 'ceremony resume needs --out DIR'],
    [
      ['ceremony', 'transcript', 'generate-cmk-0f1e2d3c-1111-2222-3333-444455556666', 'extra', '--out', '/tmp'],
      2,
      'ceremony transcript needs exactly one ceremony ID',
    ],
    [
      ['ceremony', 'list', '--out', '/tmp'],
      2,
      '--out goes with audit export, ceremony run, ceremony resume, ceremony abort, ceremony transcript and ceremony script.',
    ],
    [
      ['audit', 'export', '--out', '/tmp/a.jsonl', '--officer', 'carol', '--json'],
      2,
      '--json does not go with audit export',
    ],
    [
      ['audit', 'export', '--out', '/tmp/a.jsonl', '--officer', 'Carol Diaz'],
      2,
      '--officer "Carol Diaz" must be an officer id',
    ],
    [['audit', 'export', '--out', '/tmp/a.jsonl'], 2, 'audit export needs --officer ID'],
    [
      ['ceremony', 'resume', 'generate-cmk-0f1e2d3c-1111-2222-3333-444455556666', '--out', '/tmp'],
      1,
      'There is no ceremony generate-cmk-0f1e2d3c-1111-2222-3333-444455556666',
    ],
    [
      ['ceremony', 'resume', 'generate-cmk-0f1e2d3c-1111-2222-3333-444455556666', '--out', '/no/such/drive'],
      1,
      'The transcript folder /no/such/drive does not exist',
    ],
    [
      ['token', 'list', '--module', '/etc/hostname'],
      1,
      'is not loaded as a PKCS#11 module: it is not in a system library folder',
    ],
  ])('refuses %j with a message and a next step', (args, exitCode, message) => {
    const { code, stderr } = keyward(args);
    expect(code).toBe(exitCode);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Next step:');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('keyward plan checksum', () => {
  it('prints the first line of a sealed example plan; a plan damaged since is refused by ceremony run, naming the command', () => {
    const printed = keyward(['plan', 'checksum', 'docs/ceremonies/rotate-cmk.yaml']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(`${readFileSync('docs/ceremonies/rotate-cmk.yaml', 'utf8').split('\n')[0] ?? ''}\n`);
    const damaged = join(dataDir, 'damaged-plan.yaml');
    writeFileSync(
      damaged,
      readFileSync('docs/ceremonies/generate-cmk.yaml', 'utf8').replace('rotationDays: 365', 'rotationDays: 3'),
    );
    const refused = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      damaged,
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is not the plan its checksum line was made for');
    expect(refused.stderr).toContain(`keyward plan checksum ${damaged}`);
    expect(keyward(['plan', 'checksum', join(dataDir, 'nowhere.yaml')]).code).toBe(1);
  });
});

describe('keyward workstation and signed audit exports', () => {
  it('initialises a workstation from the example plan, founding officers and all', () => {
    const result = spawnSync(
      process.execPath,
      [
        'bin/keyward.mjs',
        'ceremony',
        'run',
        '--network-acknowledged',
        'docs/ceremonies/initialise-workstation.yaml',
        '--answers',
        'docs/ceremonies/rehearsal-answers.yaml',
        '--out',
        dataDir,
      ],
      { env: { ...process.env, KEYWARD_DATA_DIR: dataDir }, encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      'Founding officers: alice (security-officer), bob (key-custodian), dave (security-officer), grace (security-officer), carol (auditor).',
    );
    expect(keyward(['workstation', 'show']).stdout).toContain('O=Example Org');
    const again = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      'docs/ceremonies/initialise-workstation.yaml',
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(again.stderr).toContain('already initialised');
  });

  function keywardWithInput(args: string[], input: string) {
    const result = spawnSync(process.execPath, ['bin/keyward.mjs', ...args], {
      env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
      encoding: 'utf8',
      input,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const pin = `${rehearsalToken.userPin}\n`;

  // On a real HSM piped input is refused (test/security/real-hsm-pins-come-from-a-terminal-only.test.ts).
  it('accepts the PIN and passphrases piped on standard input on the rehearsal token (scripted rehearsals)', () => {
    const init = keywardWithInput(workstationInitArgs, `${pin}${foundingPassphrases}`);
    expect(init.stderr).not.toContain('not a terminal');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Workstation initialised.');
    const checkpoint = keywardWithInput(['audit', 'checkpoint'], pin);
    expect(checkpoint.code, checkpoint.stderr).toBe(0);
    expect(checkpoint.stdout).toContain('Checkpoint written');
  });

  it('initialises the workstation key, signs checkpoints and an export that verifies elsewhere, pinned', () => {
    const early = keywardWithInput(
      ['audit', 'export', '--out', join(dataDir, 'early.jsonl'), '--officer', 'alice', '--network-acknowledged'],
      pin,
    );
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('has no signing key and certificate yet');
    expect(early.stderr).toContain('Initialise the workstation first');

    const init = keywardWithInput(
      [
        'workstation',
        'init',
        '--network-acknowledged',
        '--org',
        'Example Org',
        '--name',
        'WS-1',
        '--pin-parts',
        '2',
        ...foundingOfficerArgs,
      ],
      `1111-\n2222\n${foundingPassphrases}`,
    );
    // On a network, the findings and alice's acknowledgement are the only lines on standard error.
    expect(
      init.stderr.replace(
        /^This workstation may not be air-gapped:\n|^ {2}.*\n|^alice acknowledged the air-gap findings\.\n/gm,
        '',
      ),
    ).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Workstation initialised.');
    expect(init.stdout).toContain(
      'Founding officers: alice (security-officer), bob (key-custodian), dave (security-officer), grace (security-officer).',
    );
    const shown = JSON.parse(keyward(['workstation', 'show', '--json']).stdout) as {
      publicKeyFingerprint: string;
      spec: string;
    };
    expect(shown.spec).toBe('ECDSA_P384');
    expect(init.stdout.replace(/\s/g, '')).toContain(shown.publicKeyFingerprint.toUpperCase());

    const wrongPin = keywardWithInput(['audit', 'checkpoint'], '0000-0000\n');
    expect(wrongPin.code).toBe(1);
    expect(wrongPin.stderr).toMatch(/PIN/);
    expect(wrongPin.stdout + wrongPin.stderr).not.toContain('0000-0000');

    expect(keywardWithInput(['audit', 'checkpoint'], pin).code).toBe(0);
    const out = join(dataDir, 'audit.jsonl');
    // The export-audit ceremony: alice (a security officer) approves, typing her passphrase to acknowledge the network (if any), check in and approve.
    const alice = 'rehearsal passphrase one\n';
    const exportAs = (officer: string) =>
      keywardWithInput(
        ['audit', 'export', '--out', out, '--officer', officer, '--network-acknowledged'],
        `${pin}${airGapStatus().isolated ? '' : alice}${alice}${alice}`,
      );
    const exported = exportAs('alice');
    expect(exported.stderr.replace(/^This workstation may not be air-gapped:\n|^ {2}.*\n/gm, '')).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('CEREMONY Export the audit log');
    expect(exported.stdout).toMatch(
      /Step 1 done: written to \S+audit\.jsonl \(\d+ entries\); its SHA-256, to compare where it is verified:\n {2}[0-9A-F ]{79}\n/,
    );
    expect(exported.stdout).toContain(`${out}.p7s`);
    expect(exported.stdout).toMatch(/Signed transcript \(JSON and PDF\): .*keyward-transcript-export-audit-/);
    // Approved by nobody the policy counts: bob is a key custodian.
    expect(
      keywardWithInput(
        ['audit', 'export', '--out', join(dataDir, 'by-bob.jsonl'), '--officer', 'bob', '--network-acknowledged'],
        `${pin}rehearsal passphrase two\nrehearsal passphrase two\n`,
      ).stderr,
    ).toMatch(/security officer|security-officer/);
    // The same file again is refused when planned, before anyone checks in.
    const again = exportAs('alice');
    expect(again.stderr).toContain('never overwrites');
    expect(again.stdout).not.toContain('CEREMONY');
    // On the auditor's machine: no Keyward data directory, no HSM.
    const verified = keyward(['audit', 'verify', '--export', out, '--signer-fingerprint', shown.publicKeyFingerprint], {
      KEYWARD_DATA_DIR: join(tokens.dir, 'no-such-dir'),
    });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('Signature valid: signed by');
    expect(verified.stdout).toContain('Audit log verified');
    const pinnedElsewhere = keyward(['audit', 'verify', '--export', out, '--signer-fingerprint', 'ab'.repeat(32)]);
    expect(pinnedElsewhere.code).toBe(1);
    expect(pinnedElsewhere.stdout).toContain(
      'SIGNATURE NOT VALID: the file was signed by another key than the pinned workstation key',
    );

    // The database and the export name what happened, never the PIN.
    const log = new AuditLog(openDatabase(dataDir));
    const actions = log.query({ limit: 50 }).map((e) => e.action);
    const exportCeremony = log.query({ action: 'ceremony.complete', limit: 5 })[0];
    expect(exportCeremony?.subject).toMatch(/^export-audit-/);
    expect(
      log.query({ action: 'ceremony.approve', limit: 5 }).find((e) => e.subject === exportCeremony?.subject)?.actors,
    ).toEqual(['alice']);
    expect(actions).toContain('workstation.identity.adopt');
    expect(actions.filter((a) => a === 'officer.enrol')).toHaveLength(4);

    // A scripted rehearsal of the generate-CMK ceremony, from the example plan and answers in docs/.
    const run = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      'docs/ceremonies/generate-cmk.yaml',
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('CEREMONY Generate key "Tenant CMK" (AES-256)');
    // Every value the step acts on is printed before anyone checks in, and the plan's checksum line was verified.
    expect(run.stdout).toContain('docs/ceremonies/generate-cmk.yaml: its checksum line verified');
    expect(run.stdout).toMatch(
      /values: keyName: Tenant CMK; purpose: [^;]+; provider: aws-kms; spec: AES_256; rotationDays: 365/,
    );
    expect(run.stdout).toMatch(/creates: "Tenant CMK v1" \(CKA_ID [0-9a-f]+\)/);
    expect(run.stdout).toMatch(/Plan digest[^\n]*\n {2}[0-9A-F ]{79}\n {2}\S+( \S+){31}\n/);
    expect(run.stdout).toMatch(/Step 1 done: key check value [0-9A-F]{6}\./);
    expect(run.stdout).toContain('Ceremony completed');
    expect(run.stdout).toMatch(/Signed transcript \(JSON and PDF\): .*keyward-transcript-generate-cmk-/);
    const key = new Inventory(openDatabase(dataDir), new AuditLog(openDatabase(dataDir))).get('Tenant CMK');
    expect(key.versions).toMatchObject([{ version: 1, state: 'active' }]);
    // The same plan again is refused: the name is taken.
    expect(
      keyward([
        'ceremony',
        'run',
        '--network-acknowledged',
        'docs/ceremonies/generate-cmk.yaml',
        '--answers',
        'docs/ceremonies/rehearsal-answers.yaml',
        '--out',
        dataDir,
      ]).stderr,
    ).toContain('already has a key named "Tenant CMK"');

    // The provider's wrapping key imported (the SO marks it trusted), then the key exported as a bundle.
    const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(join(dataDir, 'params'));
    writeFileSync(
      join(dataDir, 'params', 'get-parameters-for-import.json'),
      JSON.stringify({
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        ImportToken: randomBytes(40).toString('base64'),
        PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ParametersValidTo: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    const fromDocs = (name: string, edit: (text: string) => string) => {
      const path = join(dataDir, name);
      writeFileSync(
        path,
        editedPlan(readFileSync(`docs/ceremonies/${name}`, 'utf8'), (text) =>
          edit(text).replace(/RSAES_OAEP_SHA_256/g, 'RSAES_OAEP_SHA_1'),
        ),
      );
      return path;
    };
    const importRun = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      fromDocs('import-wrapping-key.yaml', (t) => t),
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(importRun.stderr).toBe('');
    expect(importRun.stdout).toMatch(
      /Compare its SHA-256 fingerprint, read aloud, with the provider's console: [0-9A-F ]+ \/ [A-Za-z]+/,
    );
    const usb = join(dataDir, 'usb');
    mkdirSync(usb);
    const exportRun = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      fromDocs('export-key.yaml', (t) => t.replace('folder: /media/officer/KEYWARD-USB', `folder: ${usb}`)),
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(exportRun.stderr).toBe('');
    expect(exportRun.stdout).toMatch(/h \d+ min left before the provider's deadline/);
    const folder = /written to (\S+)\./.exec(exportRun.stdout)?.[1] ?? '';
    expect(folder.startsWith(usb)).toBe(true);
    // Made on the rehearsal token: named and signed as such, it verifies, and the verifier says never to upload it.
    expect(folder.split('/').at(-1)).toMatch(/^REHEARSAL-keyward-aws-kms-/);
    const verifyRun = keyward(['verify', folder, '--signer-fingerprint', shown.publicKeyFingerprint]);
    expect(verifyRun.stdout).toMatch(
      /^REHEARSAL: DO NOT UPLOAD\. This bundle was made in a rehearsal, on Keyward's rehearsal token/,
    );
    expect(verifyRun.stdout).toContain('approved by alice, bob');
    expect(verifyRun.code).toBe(1);
    const verifyJson = JSON.parse(
      keyward(['verify', folder, '--signer-fingerprint', shown.publicKeyFingerprint, '--json']).stdout,
    ) as { ok: boolean; upload: boolean; rehearsal: { token: string } | null };
    expect(verifyJson).toMatchObject({ ok: true, upload: false });
    expect(verifyJson.rehearsal?.token).toMatch(/rehearsal token/);
    const unwrapped = privateDecrypt(
      { key: provider.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      readFileSync(join(folder, 'EncryptedKeyMaterial.bin')),
    );
    const cipher = createCipheriv('aes-256-ecb', unwrapped, null).setAutoPadding(false);
    expect(cipher.update(Buffer.alloc(16)).subarray(0, 3).toString('hex')).toBe(key.versions[0]?.kcv);

    // The key's later life, from the example plans: rotation, then destruction of version 1 with its certificate.
    const rotate = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      'docs/ceremonies/rotate-cmk.yaml',
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(rotate.stderr).toBe('');
    expect(rotate.stdout).toContain('version 1 (KCV');
    // Version 2, the rotation's, exported to the same AWS KMS key: its README uploads it as new key material,
    // then makes it current with an on-demand rotation (what the plan left open is settled, and approved).
    const usb2 = join(dataDir, 'usb-v2');
    mkdirSync(usb2);
    const exportV2 = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      fromDocs('export-key.yaml', (t) =>
        t.replace('folder: /media/officer/KEYWARD-USB', `folder: ${usb2}`).replace('version: 1 }', 'version: 2 }'),
      ),
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(exportV2.stderr).toBe('');
    expect(exportV2.stdout).toContain('importAs new-key-material');
    const folderV2 = /written to (\S+)\./.exec(exportV2.stdout)?.[1] ?? '';
    const readmeV2 = readFileSync(join(folderV2, 'README.txt'), 'utf8');
    expect(readmeV2).toContain('--import-type NEW_KEY_MATERIAL');
    expect(readmeV2).toContain('aws kms rotate-key-on-demand --key-id 1234abcd-12ab-34cd-56ef-1234567890ab');
    // A backup of version 1 with shares on three "drives", before it is destroyed, then restored from two shares.
    const drives = ['backup', 'c1', 'c2', 'c3'].map((d) => join(dataDir, d));
    for (const d of drives) mkdirSync(d);
    const backupPlan = fromDocs('backup.yaml', (t) =>
      t
        .replace('/media/officer/BACKUP', drives[0] ?? '')
        .replace('/media/custodian1/SHARE', drives[1] ?? '')
        .replace('/media/custodian2/SHARE', drives[2] ?? '')
        .replace('/media/custodian3/SHARE', drives[3] ?? ''),
    );
    const backupRun = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      backupPlan,
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(backupRun.stderr).toBe('');
    const packageFolder = /\) in (\S+); shares in/.exec(backupRun.stdout)?.[1] ?? '';
    const shareFolders = /shares in (.+)\.\n/.exec(backupRun.stdout)?.[1]?.split(', ') ?? [];
    expect(shareFolders).toHaveLength(3);
    const destroy = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      fromDocs('destroy-key.yaml', (t) => t.replace('folder: /media/officer/KEYWARD-USB', `folder: ${usb}`)),
      '--answers',
      'docs/ceremonies/rehearsal-answers.yaml',
      '--out',
      dataDir,
    ]);
    expect(destroy.stderr).toBe('');
    expect(destroy.code).toBe(0);
    const listed = JSON.parse(keyward(['key', 'list', '--json']).stdout) as {
      keys: { name: string; versions: { version: number; state: string }[] }[];
      rotationDue: { key: string; status: string }[];
    };
    expect(listed.keys.find((k) => k.name === 'Tenant CMK')?.versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'destroyed'],
      [2, 'active'],
    ]);
    expect(listed.rotationDue.find((d) => d.key === 'Tenant CMK')?.status).toBe('scheduled');
    expect(readdirSync(usb).some((name) => name.startsWith('keyward-destruction-Tenant-CMK-v1-'))).toBe(true);
    expect(keyward(['key', 'list']).stdout).toMatch(/ {2}v1 {2}destroyed/);
    const answers = join(dataDir, 'restore-answers.yaml');
    writeFileSync(
      answers,
      `${readFileSync('docs/ceremonies/rehearsal-answers.yaml', 'utf8')}shareFiles: ['${join(shareFolders[2] ?? '', 'share.txt')}', '${join(shareFolders[0] ?? '', 'share.txt')}']\n`,
    );
    const restoreRun = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      fromDocs('restore.yaml', (t) => t.replace('/media/officer/BACKUP/keyward-backup-0123abcd', packageFolder)),
      '--answers',
      answers,
      '--out',
      dataDir,
    ]);
    expect(restoreRun.stderr).toBe('');
    expect(restoreRun.code).toBe(0);
    const afterRestore = JSON.parse(keyward(['key', 'list', '--json']).stdout) as {
      keys: { name: string; versions: { version: number; state: string }[] }[];
    };
    expect(afterRestore.keys.find((k) => k.name === 'Tenant CMK')?.versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'restored'],
      [2, 'active'],
    ]);

    // Another token named for one run is refused before anything is read, answers file and all (an answers file on
    // the approved production HSM: test/security/rehearsal-only-is-the-officers-choice.test.ts).
    initToken(tokens, 'Real HSM');
    const hsmPlan = join(dataDir, 'hsm-plan.yaml');
    writeFileSync(
      hsmPlan,
      editedPlan(readFileSync('docs/ceremonies/generate-cmk.yaml', 'utf8'), (text) =>
        text.replace('name: Tenant CMK', 'name: HSM CMK'),
      ),
    );
    const onHsm = keyward(
      [
        'ceremony',
        'run',
        '--network-acknowledged',
        hsmPlan,
        '--answers',
        'docs/ceremonies/rehearsal-answers.yaml',
        '--out',
        dataDir,
        '--module',
        softhsmModule,
        '--token',
        'pkcs11:token=Real%20HSM',
      ],
      tokens.env,
    );
    expect(onHsm.code).toBe(1);
    expect(onHsm.stderr).toContain(
      'no PIN is typed into another module or token than the one its security officers approved',
    );
    expect(onHsm.stdout).not.toContain('CEREMONY');

    // Typed at the terminal (here: piped, one entry per line): PIN, two check-ins, two approvals per sensitive step.
    const plan = join(dataDir, 'plan.yaml');
    writeFileSync(
      plan,
      editedPlan(readFileSync('docs/ceremonies/generate-cmk.yaml', 'utf8'), (text) =>
        text.replace('name: Tenant CMK', 'name: Second CMK'),
      ),
    );
    // On a network, alice's passphrase first confirms her acknowledgement of the air-gap findings.
    const acknowledgement = airGapStatus().isolated ? '' : 'rehearsal passphrase one\n';
    const typed = keywardWithInput(
      ['ceremony', 'run', '--network-acknowledged', plan, '--out', dataDir],
      `${rehearsalToken.userPin}\n${acknowledgement}${'rehearsal passphrase one\nrehearsal passphrase two\n'.repeat(3)}`,
    );
    expect(typed.code).toBe(0);
    expect(typed.stdout).toContain('Ceremony completed');
  }, 300_000); // the whole life of a key through the CLI: many runs, each stretching passphrases with scrypt
});
