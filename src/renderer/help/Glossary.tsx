/**
 * The glossary: the words Keyward's screens, plans and transcripts use, for officers who are not
 * cryptographers. Numbers and lists come from the shared code (rehearsal PINs, lifetimes, limits, key
 * states), so the text says what this Keyward does.
 */
import type { ReactNode } from 'react';
import { hexGroups, pgpWordsOf } from '../../shared/fingerprint';
import { keyVersionStates, type KeyVersionState } from '../../shared/inventory';
import { defaultApprovalLifetimeHours, maxPassphraseAttempts, minimumCmkQuorum } from '../../shared/officers';
import { rehearsalToken } from '../../shared/rehearsal';
import { glossaryTermIds, openHelp, type GlossaryTermId } from './help-store';

/** A word defined in the glossary, as a link to its definition. */
export function TermLink({ to, children }: { to: GlossaryTermId; children: ReactNode }) {
  return (
    <button type="button" className="link-button term-link" onClick={() => openHelp({ term: to })}>
      {children}
    </button>
  );
}

const stateWords: Record<KeyVersionState, string> = {
  pending: 'generated, not yet in use',
  active: 'encrypts new data (one version of a key at a time)',
  'decrypt-only': 'decrypts data encrypted under it, encrypts nothing new',
  disabled: 'may not be used until a ceremony enables it again',
  destroyed: 'destroyed in the HSM',
  restored: 'brought back from a backup',
};

const example = 'e58294f2';

interface Entry {
  term: string;
  /** What the abbreviation stands for, or another name for it. */
  also?: string;
  body: ReactNode;
}

const entries: Record<GlossaryTermId, Entry> = {
  cmk: {
    term: 'CMK',
    also: 'customer master key',
    body: (
      <>
        <p>
          The key that protects your organisation&apos;s data at a cloud provider. Keyward makes it inside your{' '}
          <TermLink to="hsm">HSM</TermLink>, where its value can never be read. It leaves the HSM only wrapped
          (encrypted) under a <TermLink to="wrapping-key">wrapping key</TermLink> that a security officer marked as
          trusted, so that only the provider can open it.
        </p>
      </>
    ),
  },
  hsm: {
    term: 'HSM and token',
    also: 'hardware security module',
    body: (
      <p>
        The device in which keys are made, kept and used; they never leave it in clear. Keyward reaches it through the
        vendor&apos;s PKCS#11 module. A <em>token</em> is one key store inside it, opened by logging in with its user
        PIN, which several officers type in parts so that no one knows it whole.
      </p>
    ),
  },
  'key-version': {
    term: 'Key version',
    body: (
      <>
        <p>
          A CMK has numbered versions (v1, v2, …): each <em>rotation</em> makes a new one. The Keys screen shows each
          version&apos;s state:
        </p>
        <ul>
          {keyVersionStates.map((state) => (
            <li key={state}>
              <strong>{state}</strong>: {stateWords[state]}
            </li>
          ))}
        </ul>
      </>
    ),
  },
  kcv: {
    term: 'KCV and public-key fingerprint',
    also: 'key check value',
    body: (
      <p>
        Short values that identify a key without revealing it: the officers compare them aloud with the ones recorded
        before, to confirm it is the same key. A KCV is 3 bytes (6 hex digits): for an AES key, the start of a block of
        zeros encrypted under it; for an HMAC key, the start of its SHA-1 hash; for a key pair, the start of the SHA-256
        hash of its public key. A public-key fingerprint is the whole SHA-256 hash of a public key, shown in hex and as{' '}
        <TermLink to="pgp-words">PGP words</TermLink>: it identifies a wrapping key, the workstation key or an
        officer&apos;s approval key.
      </p>
    ),
  },
  oaep: {
    term: 'OAEP',
    also: 'RSA-OAEP, Optimal Asymmetric Encryption Padding',
    body: (
      <p>
        The way an RSA public key encrypts a small secret, such as a key. It uses a hash function (SHA-1, SHA-256 or
        SHA-512), which must be the one the provider names: a key wrapped with another hash cannot be imported. Keyward
        offers only the hashes both the provider and your token support.
      </p>
    ),
  },
  'key-wrap': {
    term: 'RFC 5649 and RSA-AES key wrap',
    body: (
      <p>
        RFC 5649 is the standard way to wrap (encrypt) a key under an AES key, with a built-in check: a wrapped key that
        was altered is refused when it is unwrapped. RSA-AES key wrap combines it with{' '}
        <TermLink to="oaep">OAEP</TermLink>: the HSM makes a one-time AES key, wraps the CMK under it with RFC 5649,
        wraps that AES key with RSA-OAEP under the provider&apos;s wrapping key, and destroys it. Providers ask for it
        for keys too large for RSA-OAEP alone (RSA and EC private keys), and some for every key. Backups use RFC 5649
        too.
      </p>
    ),
  },
  'wrapping-key': {
    term: 'Wrapping key',
    body: (
      <p>
        The provider&apos;s RSA public key, brought over the air gap as a file from the provider&apos;s console. A
        ceremony imports it onto the token as <em>trusted</em> (marked so with the token&apos;s security officer PIN)
        and <em>wrap-only</em> (it can do nothing but wrap keys). A CMK can be wrapped only under a trusted key, so a
        key that was not imported this way can never take a CMK out. Before it is imported, the officers compare its{' '}
        <TermLink to="kcv">fingerprint</TermLink>, read aloud, with the one the provider shows.
      </p>
    ),
  },
  'import-token': {
    term: 'Import token and deadline',
    body: (
      <p>
        AWS KMS gives an <em>import token</em> (ImportToken.bin) with its wrapping key: a file that goes back to AWS
        with the wrapped key. Providers accept material wrapped under a wrapping key only until a <em>deadline</em> (at
        AWS, 24 hours after the wrapping key was downloaded). Keyward shows the time left, and refuses an export once
        the deadline has passed: download new import parameters from the provider then.
      </p>
    ),
  },
  'upload-bundle': {
    term: 'Upload bundle and its signature',
    body: (
      <p>
        What an export writes to a drive for the provider: the wrapped key, any provider file that goes with it (such as
        the import token), a README.txt with the upload steps, and manifest.json, which records what was wrapped, for
        whom, under which wrapping key, approved by whom, and the SHA-256 hash of every other file. The{' '}
        <TermLink to="workstation-key">workstation key</TermLink> signs the manifest (manifest.json.p7s; its certificate
        is signer.pem), so any change to any file is detected. Keyward reads the bundle back from the drive and verifies
        it; <code>keyward verify</code> verifies it again on any machine before upload.
      </p>
    ),
  },
  quorum: {
    term: 'Quorum and dual control',
    body: (
      <p>
        The <em>quorum</em> of a ceremony type is how many distinct officers, in which roles, must{' '}
        <TermLink to="approval">approve</TermLink> each of its sensitive steps: its <em>policy</em>. Policies change
        only in a change-policy ceremony. <em>Dual control</em>: a ceremony that touches a CMK or the officers never
        needs fewer than {minimumCmkQuorum} distinct officers, whatever its policy says, so no one person can carry it
        out alone.
      </p>
    ),
  },
  approval: {
    term: 'Approval',
    body: (
      <p>
        An officer&apos;s signature over one step&apos;s <TermLink to="digest">digest</TermLink>, made with their own
        approval key, which their passphrase unlocks. It means &ldquo;I approve exactly this step&rdquo;: a step changed
        in any way needs new approvals. It counts only from an officer in a role the policy names, for the policy&apos;s
        approval lifetime ({defaultApprovalLifetimeHours} hours unless the policy says otherwise), and only while that
        officer stays active. After {maxPassphraseAttempts} wrong passphrases in a row an officer is locked out until
        other officers unlock them in a ceremony.
      </p>
    ),
  },
  'check-in': {
    term: 'Check-in',
    body: (
      <p>
        Before a ceremony starts, its plan and <TermLink to="digest">plan digest</TermLink> are read aloud, and each
        officer named as present types their passphrase to sign that digest. It records that they were there and saw
        this exact plan. Only officers who checked in may approve its steps.
      </p>
    ),
  },
  digest: {
    term: 'Plan digest and step digest',
    body: (
      <p>
        A digest is a SHA-256 hash: a fingerprint of data, which changes completely if anything in the data changes. The{' '}
        <em>plan digest</em> covers the whole ceremony (its type, title and every step); it is shown before the ceremony
        starts and signed by the workstation key. Each sensitive step has a <em>step digest</em> covering exactly what
        that step will do (which key, which provider, which wrapping key, which drive); approvals are signatures over
        it. Both are shown in hex and as <TermLink to="pgp-words">PGP words</TermLink>, to read aloud.
      </p>
    ),
  },
  'pgp-words': {
    term: 'PGP words',
    body: (
      <p>
        A way to read bytes aloud without mistakes: each byte is one word from a fixed list of 256 word pairs, taken
        from a list of two-syllable words for bytes at odd places (1st, 3rd, …) and of three-syllable words for the
        others, so a swapped or missed byte is heard. For example {hexGroups(example)} is read &ldquo;
        {pgpWordsOf(example).join(' ')}&rdquo;. Keyward shows them in numbered groups of four, row for row with the hex.
      </p>
    ),
  },
  'backup-shares': {
    term: 'Backup shares (k of n) and custodians',
    body: (
      <p>
        A backup wraps key versions under a fresh backup key (with RFC 5649), then splits that key into <em>n</em>{' '}
        shares, of which any <em>k</em> rebuild it and fewer reveal nothing (Shamir&apos;s secret sharing, at least 2 of
        at most 16). The plan names each share&apos;s <em>custodian</em>: a key custodian or security officer present at
        the ceremony, never two shares to one person. Each share is written to its custodian&apos;s own drive, as hex
        and as PGP words with a check value, and the custodian seals it in a tamper-evident bag and signs for it; the
        custodians keep their shares apart. The backup key is then destroyed, so a restore needs <em>k</em> custodians
        to give their shares.
      </p>
    ),
  },
  'rehearsal-token': {
    term: 'Rehearsal token',
    body: (
      <p>
        A software token (SoftHSM2) Keyward creates in its own data folder when no HSM is chosen, to practise
        ceremonies. It protects nothing real: every screen and every output says {rehearsalToken.banner}, and its PINs
        are fixed (user PIN {rehearsalToken.userPin}, security officer PIN {rehearsalToken.soPin}). Practice folders
        stand in for USB drives.
      </p>
    ),
  },
  'air-gap': {
    term: 'Air gap',
    body: (
      <p>
        The workstation has no connection to any network. The Home screen and the status bar show every network
        interface that is up, every wireless or Bluetooth device and every default route. While one is found, no
        ceremony can be planned until the network is disconnected or a security officer, with their passphrase,
        acknowledges exactly those findings (recorded in the audit log). Files cross the air gap only on drives.
      </p>
    ),
  },
  'workstation-key': {
    term: 'Workstation key',
    body: (
      <p>
        The signing key made in the HSM when the workstation is initialised. It certifies each officer&apos;s approval
        key with their role, and signs plans, upload bundles, transcripts, destruction certificates, audit checkpoints
        and audit exports. Its fingerprint (<code>keyward workstation show</code>) is what anyone verifying those files
        checks them against.
      </p>
    ),
  },
  'audit-log': {
    term: 'Audit log and checkpoints',
    body: (
      <p>
        Every action, done or refused, is written to the audit log, each entry linked to the one before by its hash: an
        entry changed or removed breaks the chain. A <em>checkpoint</em>, signed by the workstation key, seals the log
        up to a point (at the end of ceremonies), and the token keeps the last one, so a log rewritten or cut short is
        detected. The Audit log screen verifies it; the export-audit ceremony writes it to a drive for the auditors.
      </p>
    ),
  },
  destroy: {
    term: 'Destroy (crypto-shredding)',
    body: (
      <p>
        Destroying a key version deletes it inside the HSM, and Keyward checks that it is gone. Data encrypted under it
        can then no longer be decrypted here, unless a backup of it is restored; a provider the version was exported to
        keeps its copy until it is deleted there. A destruction certificate signed by the workstation key is written to
        a drive. It cannot be undone: when no backup holds the version, the officers type the key&apos;s name to
        confirm.
      </p>
    ),
  },
};

/** The definitions, each with its id (term-ID) so a link can bring it into view. */
export function Glossary() {
  return (
    <>
      <nav aria-label="Glossary terms">
        <ul className="help-index">
          {glossaryTermIds.map((id) => (
            <li key={id}>
              <TermLink to={id}>{entries[id].term}</TermLink>
            </li>
          ))}
        </ul>
      </nav>
      <dl className="glossary">
        {glossaryTermIds.map((id) => {
          const { term, also, body } = entries[id];
          return (
            <div key={id} className="glossary-entry">
              <dt id={`term-${id}`} tabIndex={-1}>
                <dfn>{term}</dfn>
                {also && <span className="glossary-also"> ({also})</span>}
              </dt>
              <dd>{body}</dd>
            </div>
          );
        })}
      </dl>
    </>
  );
}
