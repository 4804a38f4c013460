/**
 * A token's capability sheet: who made the module and token (with the versions that, when they change,
 * make Keyward probe again), what the probe learned by trial and known answer, and which of Keyward's
 * features that allows, each with its reason. Shown in the app, printed by `keyward token probe`
 * (--json, --markdown), kept per token, and checked in for each implementation under docs/tokens/.
 */
import { isAesSpec, secretBytesOf, type Capabilities } from './keys';
import type { ModuleInfo, TokenDetails, Version } from './token';

export interface CapabilitySheet {
  module: Omit<ModuleInfo, 'path'> & { path: string };
  token: Pick<TokenDetails, 'label' | 'manufacturer' | 'model' | 'serial' | 'firmware' | 'hardware'>;
  probedAt: string;
  capabilities: Capabilities;
}

export interface Feature {
  feature: string;
  supported: boolean;
  /** What makes it possible, or what stands in its way. */
  why: string;
}

const inWords = (v: Version): string => `${v.major}.${v.minor}`;

/** The versions that, when they change, make Keyward probe the token again (a firmware or module update). */
export const sheetVersions = (sheet: Pick<CapabilitySheet, 'module' | 'token'>): string =>
  `module ${sheet.module.manufacturer} ${sheet.module.description} ${inWords(sheet.module.libraryVersion)}, token firmware ${inWords(sheet.token.firmware)}, hardware ${inWords(sheet.token.hardware)}`;

/** Which of Keyward's features the token allows, from its probe. */
export function featuresOf(c: Capabilities): Feature[] {
  const w = c.wrapping;
  const failed = c.enforcement.filter((e) => !e.holds);
  const kwp = c.rfc5649.mechanism;
  // Secrets of whole 8-octet blocks wrap exactly under any RFC 5649 mechanism; the others need one that pads as RFC 5649 says.
  const blockSpecs = c.cmkSpecs.filter((s) => (secretBytesOf(s) ?? 1) % 8 === 0);
  const otherSpecs = c.cmkSpecs.filter((s) => !blockSpecs.includes(s));
  const oaepOf = { 'SHA-1': w.rsaOaepSha1, 'SHA-256': w.rsaOaepSha256, 'SHA-512': w.rsaOaepSha512 };
  const oaepMissing = {
    'SHA-1': c.missing.rsaOaepSha1,
    'SHA-256': c.missing.rsaOaepSha256,
    'SHA-512': c.missing.rsaOaepSha512,
  };
  const oaep = (hash: keyof typeof oaepOf, users: string): Feature => ({
    feature: `Export by RSA-OAEP, ${hash} (${users})`,
    supported: oaepOf[hash],
    why: oaepOf[hash] ? 'wrapped in the token' : (oaepMissing[hash] ?? 'no'),
  });
  const rsaAes = (hash: keyof typeof oaepOf, users: string): Feature => ({
    feature: `Export by RSA-AES key wrap, OAEP ${hash} (${users})`,
    supported: w.rsaAesKeyWrapComposed && oaepOf[hash],
    why:
      w.rsaAesKeyWrapComposed && oaepOf[hash]
        ? `composed in the token: an ephemeral AES key under ${kwp ?? '?'} and RSA-OAEP ${hash}${w.rsaAesKeyWrapNative ? ' (CKM_RSA_AES_KEY_WRAP is offered too)' : ''}`
        : (c.missing.rsaAesKeyWrapComposed ?? oaepMissing[hash] ?? 'no'),
  });
  return [
    {
      feature: 'Holds a CMK on a production workstation (enforces what Keyward relies on)',
      supported: failed.length === 0,
      why: failed.length
        ? `fails: ${failed.map((f) => f.property).join('; ')}; it may serve for rehearsals only`
        : 'every enforcement trial was refused by the token, as it must be',
    },
    {
      feature: 'Workstation signing key (signs bundles, transcripts, checkpoints)',
      supported: c.signingKeySpecs.length > 0,
      why: c.signingKeySpecs.length
        ? c.signingKeySpecs.join(', ')
        : (c.missing.ECDSA ?? c.missing.RSA_PSS_3072 ?? 'no ECDSA or RSA-PSS signing key'),
    },
    {
      feature: 'CMK generation',
      supported: c.cmkSpecs.length > 0,
      why: c.cmkSpecs.length ? c.cmkSpecs.join(', ') : 'the token generates none of the key types Keyward offers',
    },
    oaep('SHA-1', 'AWS RSAES_OAEP_SHA_1, Salesforce'),
    oaep('SHA-256', 'AWS RSAES_OAEP_SHA_256, Google RSA_OAEP_*_SHA256'),
    oaep('SHA-512', 'Salesforce, which recommends it'),
    {
      feature: 'Export of EC private keys by RSA-OAEP (AWS, Google RSA_OAEP_*_SHA256)',
      supported: w.oaepPrivateKeys,
      why: w.oaepPrivateKeys ? 'by known answer on the published EC test key' : (c.missing.oaepPrivateKeys ?? 'no'),
    },
    rsaAes('SHA-1', 'AWS RSA_AES_KEY_WRAP_SHA_1, Google RSA_OAEP_*_SHA1_AES_256, Vault, Azure'),
    rsaAes('SHA-256', 'AWS RSA_AES_KEY_WRAP_SHA_256, Google RSA_OAEP_*_SHA256_AES_256, Vault'),
    rsaAes('SHA-512', 'Vault, Salesforce Search Index and Database Encryption'),
    {
      feature: 'Backup and restore (RFC 5649 under a backup key)',
      supported: kwp !== null,
      why: kwp ? `RFC 5649 is ${kwp}, by known answer` : (c.missing.aesKeyWrapPad ?? 'no RFC 5649 mechanism'),
    },
    {
      feature:
        'Exact RFC 5649 payloads of keys that are not whole 8-octet blocks (RSA and EC private keys, HMAC-SHA224)',
      supported: kwp !== null && c.rfc5649.anyLength && otherSpecs.length > 0,
      why:
        kwp === null || otherSpecs.length === 0
          ? 'the token makes no such CMK, or has no RFC 5649'
          : c.rfc5649.anyLength
            ? `${kwp} pads as RFC 5649 says for every length`
            : `${kwp} zero-pads keys that are not whole 8-octet blocks: wraps of ${otherSpecs.join(', ')} under it are refused outside rehearsal (${blockSpecs.join(', ') || 'none'} are exact)`,
    },
    {
      feature: 'Key check value of AES keys',
      supported: c.cmkSpecs.some(isAesSpec),
      why: !c.cmkSpecs.some(isAesSpec)
        ? 'the token makes no AES key'
        : c.checkValue
          ? 'CKA_CHECK_VALUE'
          : 'computed in the token (AES-ECB of a zero block), as CKA_CHECK_VALUE is missing',
    },
    {
      feature: 'Salesforce Shield key digest (C_DigestKey)',
      supported: c.digestKey,
      why: c.digestKey ? 'SHA-256 of the key, in the token' : (c.missing.digestKey ?? 'no'),
    },
  ];
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The sheet as Markdown. Without `stamp` (docs/tokens/), the lines that differ on every run of the same
 * implementation (serial, time, module path) are left out, so the checked-in sheet can be compared.
 */
export function sheetMarkdown(sheet: CapabilitySheet, options: { stamp: boolean } = { stamp: true }): string {
  const { module, token, capabilities: c } = sheet;
  const lines = [
    `# ${token.manufacturer} ${token.model}: capability sheet`,
    '',
    `- Module: ${module.manufacturer}, ${module.description} ${inWords(module.libraryVersion)} (Cryptoki ${inWords(module.cryptokiVersion)})`,
    `- Token: firmware ${inWords(token.firmware)}, hardware ${inWords(token.hardware)}`,
    ...(options.stamp
      ? [`- Module file: ${module.path}`, `- Token "${token.label}", serial ${token.serial}, probed ${sheet.probedAt}`]
      : []),
    '',
    '## What Keyward can do with it',
    '',
    '| Feature | Supported | Why |',
    '|---|---|---|',
    ...featuresOf(c).map((f) => `| ${cell(f.feature)} | ${f.supported ? 'yes' : 'NO'} | ${cell(f.why)} |`),
    '',
    '## Enforced by the token (tried on throw-away session keys)',
    '',
    ...c.enforcement.map((e) => `- ${e.holds ? 'yes' : 'NO'}: ${e.property}. ${e.detail}`),
    '',
    '## RFC 5649, by known answer',
    '',
    `Chosen: ${c.rfc5649.mechanism ?? 'none'}${c.rfc5649.mechanism ? (c.rfc5649.anyLength ? ', for keys of any length' : ', for whole 8-octet blocks only') : ''}.`,
    '',
    ...c.rfc5649.findings.map((f) => `- ${f}`),
    '',
    '## Mechanisms',
    '',
    '| Mechanism | Key sizes | Allowed for |',
    '|---|---|---|',
    ...c.mechanisms.map((m) => `| ${m.name} | ${m.minKeySize}–${m.maxKeySize} | ${m.flags.join(', ') || '-'} |`),
    '',
  ];
  return lines.join('\n');
}
