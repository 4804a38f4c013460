/**
 * Ceremony plan files for scripted ceremonies (`keyward ceremony run PLAN.yaml`), and the answers file
 * that may supply PIN parts and passphrases on the rehearsal token only. Both are validated before
 * anything runs, with the line of each problem.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import { cmkSpecs } from '../../shared/keys';
import { ceremonyTypes } from '../../shared/officers';
import type { NewCmk } from './generate-cmk';

const officerName = z.string().regex(/^[a-z][a-z0-9._-]{1,31}$/, 'an officer name');

const generateCmkPlan = z
  .object({
    ceremony: z.literal('generate-cmk'),
    officers: z.array(officerName).min(2, 'name at least two officers who will be present'),
    key: z
      .object({
        name: z.string().min(1).max(100),
        purpose: z.string().min(1).max(200),
        provider: z.string().min(1).max(50).nullable().default(null),
        spec: z.enum(cmkSpecs).default('AES_256'),
        rotationDays: z.number().int().min(1).max(3650).default(365),
      })
      .strict(),
  })
  .strict();

export type PlanFile = { type: 'generate-cmk'; officers: string[]; request: NewCmk };

export const answersSchema = z
  .object({
    pinParts: z.array(z.string().min(1)).min(1).max(8),
    passphrases: z.record(officerName, z.string().min(1)),
  })
  .strict();
export type Answers = z.infer<typeof answersSchema>;

function refuse(file: string, why: string): KeywardError {
  return new KeywardError('INVALID_REQUEST', `The plan file ${file} was refused: ${why}.`, 'Correct the file (see the examples in docs/ceremonies) and run it again.');
}

function load(file: string, text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error) throw refuse(file, `it is not valid YAML (${error.message.split('\n')[0] ?? ''})`);
  return document.toJS() as unknown;
}

export function readPlanFile(file: string, text: string): PlanFile {
  const value = load(file, text);
  const type = (value as { ceremony?: unknown } | null)?.ceremony;
  if (typeof type !== 'string' || !ceremonyTypes.some((t) => t === type)) throw refuse(file, `"ceremony" must name a ceremony type (${ceremonyTypes.join(', ')})`);
  if (type !== 'generate-cmk') throw refuse(file, `scripted ${type} ceremonies are not available yet; generate-cmk is`);
  const parsed = generateCmkPlan.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw refuse(file, `${issue?.path.join('.') || 'the plan'}: ${issue?.message ?? 'invalid'}`);
  }
  const { officers, key } = parsed.data;
  if (new Set(officers).size !== officers.length) throw refuse(file, 'an officer is named twice; nobody counts twice');
  return { type: 'generate-cmk', officers, request: { keyName: key.name, purpose: key.purpose, provider: key.provider, spec: key.spec, rotationDays: key.rotationDays } };
}

export function readAnswersFile(file: string, text: string): Answers {
  const parsed = answersSchema.safeParse(load(file, text));
  if (!parsed.success) throw refuse(file, `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
