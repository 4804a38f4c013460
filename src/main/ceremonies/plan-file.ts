/**
 * Ceremony plan files for scripted ceremonies (`keyward ceremony run PLAN.yaml`), and the answers file
 * that may supply PIN parts and passphrases on the rehearsal token only. Both are validated before
 * anything runs, with the line of each problem.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import { ceremonyTypes, isCeremonyType, type CeremonyType } from './catalogue';
import { officerName, type CeremonyDeclaration } from './ceremony-type';
import { checkPlanChecksum, type PlanChecksum } from './plan-checksum';
import { ceremonyDeclarations } from './types';

type Declarations = typeof ceremonyDeclarations;
/** A ceremony type's plan, as its declaration's schema reads it. */
export type PlanOf<T extends CeremonyType> = z.output<Declarations[T]['plan']>;
/** A validated plan: its type, the officers it names as present, and the plan as its type's schema read it. */
export type PlanFile = { [T in CeremonyType]: { type: T; officers: string[]; plan: PlanOf<T> } }[CeremonyType];

export const answersSchema = z
  .object({
    pinParts: z.array(z.string().min(1)).min(1).max(8),
    soPinParts: z.array(z.string().min(1)).min(1).max(8).optional(),
    /** Share files of a backup, relative to the answers file. */
    shareFiles: z.array(z.string().min(1)).max(16).optional(),
    passphrases: z.record(officerName, z.string().min(1)),
  })
  .strict();
export type Answers = z.infer<typeof answersSchema>;

/** No plan, answers or share file is larger than this. */
export const maxPlanFileBytes = 64 * 1024;

/** Where a plan came from: a plan file (named) or the app's ceremony form. */
export type PlanSource = { file: string } | { form: true };

function refuse(source: PlanSource | string, why: string, field?: string): KeywardError {
  if (typeof source === 'object' && 'form' in source)
    return new KeywardError(
      'PLAN_INVALID',
      `The ceremony form was refused: ${why}.`,
      field ? 'Correct the value shown and plan the ceremony again.' : 'Correct the form and plan the ceremony again.',
      field,
    );
  const file = typeof source === 'string' ? source : source.file;
  return new KeywardError(
    'PLAN_INVALID',
    `The plan file ${file} was refused: ${why}.`,
    'Correct the file (see the examples in docs/ceremonies) and run it again.',
  );
}

function load(file: string, text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error) throw refuse(file, `it is not valid YAML (${error.message.split('\n')[0] ?? ''})`);
  try {
    // maxAliasCount bounds alias expansion (a "billion laughs" file is refused, not expanded).
    return document.toJS({ maxAliasCount: 50 }) as unknown;
  } catch (error) {
    throw refuse(
      file,
      `it is not valid YAML (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'unreadable'})`,
    );
  }
}

/** A plan file's text, its checksum line verified when it has one (plan-checksum.ts). */
export function readPlanFile(file: string, text: string): PlanFile {
  return readCheckedPlanFile(file, text).plan;
}

/** The same, with what its checksum line showed (for the officers to be told). */
export function readCheckedPlanFile(file: string, text: string): { plan: PlanFile; checksum: PlanChecksum } {
  const checksum = checkPlanChecksum(file, text);
  return { plan: planOf({ file }, load(file, text)), checksum };
}

/** A plan given as a value (a parsed plan file, or the app's ceremony form), validated by its type's schema. */
export function planOf(file: PlanSource, value: unknown): PlanFile {
  const type = (value as { ceremony?: unknown } | null)?.ceremony;
  if (!isCeremonyType(type)) throw refuse(file, `"ceremony" must name a ceremony type (${ceremonyTypes.join(', ')})`);
  const declaration: CeremonyDeclaration = ceremonyDeclarations[type];
  const parsed = declaration.plan.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.');
    // The form's own words for the field (its label), where the form has one; a plan file's path otherwise.
    const field = 'form' in file ? declaration.form?.find((f) => 'path' in f && f.path === path) : undefined;
    const name = field ? ('label' in field ? field.label : 'legend' in field ? field.legend : path) : path;
    throw refuse(file, `${name || 'the plan'}: ${issue ? issueWords(issue) : 'invalid'}`, path || undefined);
  }
  const officers = declaration.present(parsed.data);
  if (new Set(officers).size !== officers.length)
    throw refuse(file, 'an officer is named twice; nobody counts twice', 'officers');
  return { type, officers, plan: parsed.data } as PlanFile;
}

/** A schema's complaint in words: an empty value is "not given", whatever the schema calls it. */
function issueWords(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && Number(issue.minimum) === 1)
    return issue.origin === 'array' ? 'none was chosen' : 'nothing was given';
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'nothing was given';
  return issue.message;
}

export function readAnswersFile(file: string, text: string): Answers {
  const parsed = answersSchema.safeParse(load(file, text));
  if (!parsed.success)
    throw refuse(
      file,
      `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return parsed.data;
}
