/**
 * Every provider Keyward prepares keys for, one module each: adding a provider is writing its module
 * (a ProviderProfile) and listing it here (its id and name go in src/shared/providers.ts).
 */
import type { ChoiceOption } from '../../shared/choice-option';
import { cmkSpecs, type CmkSpec } from '../../shared/keys';
import {
  providerIds,
  providerNames,
  type ProviderForm,
  type ProviderId,
  type ProviderImport,
} from '../../shared/providers';
import { awsKms } from './aws-kms';
import { azureKeyVault } from './azure-key-vault';
import { generic } from './generic';
import { googleCloudKms } from './google-cloud-kms';
import { hashicorpVault } from './hashicorp-vault';
import type {
  GuidedKey,
  ImportFields,
  ImportFiles,
  ImportTerms,
  PayloadFile,
  PayloadRequest,
  ProviderProfile,
  UploadGuide,
} from './profile';
import { keyTypeRefusal, publicKeyFile, publicKeyProblems } from './rules';
import { salesforceShield } from './salesforce-shield';

const profiles: Record<ProviderId, ProviderProfile> = {
  'aws-kms': awsKms,
  'azure-key-vault': azureKeyVault,
  'google-cloud-kms': googleCloudKms,
  'hashicorp-vault': hashicorpVault,
  'salesforce-shield': salesforceShield,
  generic,
};

export const providerProfile = (provider: ProviderId): ProviderProfile => profiles[provider];

/** The import parameters the officers brought, read and checked by the provider's rules. */
export function readProviderImport(
  provider: ProviderId,
  files: ImportFiles,
  fields: ImportFields,
  now = new Date(),
): ProviderImport {
  return profiles[provider].read(files, fields, now);
}

/** The terms settled for this key version before the officers approve them (what the plan leaves to Keyward). */
export function settleImport(spec: CmkSpec, params: ProviderImport, version: number): ProviderImport {
  return profiles[params.provider].settle?.(spec, params, version) ?? params;
}

/** Why a key type cannot go to the provider on these terms, or undefined when it can. */
export function specRefusal(spec: CmkSpec, terms: ImportTerms): string | undefined {
  return profiles[terms.provider].refusal(spec, terms);
}

/** Why a provider never takes a key type (whatever the wrap), or undefined when it takes it on some terms. */
export function keyTypeRefused(provider: ProviderId, spec: CmkSpec): string | undefined {
  return keyTypeRefusal(provider, profiles[provider].keyTypes, spec, 'docs/providers.md lists its rules');
}

/** The payload files: the provider's, and a key pair's public key for the check after upload. */
export function buildPayload(request: PayloadRequest & { publicKeySpki?: Buffer }): PayloadFile[] {
  return [...profiles[request.import.provider].payload(request), ...publicKeyFile(request.publicKeySpki)];
}

/** What is wrong with a bundle's payload, in words. */
export function payloadProblems(
  terms: ImportTerms,
  key: { spec: CmkSpec; kcv: string },
  files: Map<string, Buffer>,
): string[] {
  return [...profiles[terms.provider].problems(terms, key.spec, files), ...publicKeyProblems(key.spec, key.kcv, files)];
}

export function uploadGuide(terms: ImportTerms, key: GuidedKey, files: string[]): UploadGuide {
  return profiles[terms.provider].guide(terms, key, files);
}

/** Each key type with what a provider says against it, leaving out the types it takes. */
function refusals(why: (spec: CmkSpec) => string | undefined): Partial<Record<CmkSpec, string>> {
  return Object.fromEntries(
    cmkSpecs.flatMap((spec) => {
      const reason = why(spec);
      return reason ? [[spec, reason]] : [];
    }),
  );
}

/**
 * A wrap option with the key types the provider refuses under it at every size of wrapping key it offers
 * for it (the plan is judged again on the real key and fields: this only thins the form's choices).
 */
function withRefusals(profile: ProviderProfile, option: ChoiceOption): ChoiceOption {
  const { wrap } = option;
  if (!wrap) return option;
  const sizes = profile.wraps.filter((w) => w.algorithm === wrap).flatMap((w) => w.modulusBits);
  const refused = refusals((spec) => {
    const reasons = sizes.map((modulusBits) =>
      profile.refusal(spec, { provider: profile.id, algorithm: wrap, providerAlgorithm: '', modulusBits, target: {} }),
    );
    return reasons.every(Boolean) ? reasons[0] : undefined;
  });
  return Object.keys(refused).length ? { ...option, refusedFor: refused } : option;
}

/** What the form asks for each provider, from the declared fields, with what it refuses. */
export const providerForms: ProviderForm[] = providerIds.map((provider) => {
  const profile = profiles[provider];
  return {
    id: provider,
    name: providerNames[provider],
    fields: profile.fields.map((f) =>
      f.options ? { ...f, options: f.options.map((o) => withRefusals(profile, o)) } : f,
    ),
    ...(profile.importTokenFile ? { importTokenFile: profile.importTokenFile } : {}),
    refusedFor: refusals((spec) => keyTypeRefused(provider, spec)),
  };
});

/** The providers as a choice, each with the key types it never imports (a key generated for it). */
export const providerOptions: ChoiceOption[] = providerForms.map((p) => ({
  value: p.id,
  label: p.name,
  ...(Object.keys(p.refusedFor).length ? { refusedFor: p.refusedFor } : {}),
}));
