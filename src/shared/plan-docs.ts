/**
 * The ceremony docs as the app's Help screen shows them: each ceremony type's example plan
 * (docs/ceremonies/TYPE.yaml, whose `ceremony:` line names the type), the other files of that folder, and
 * the README's few Markdown forms as blocks. Pure functions of the files' text (the renderer builds the
 * files in: src/renderer/help/ceremony-docs.ts), so that a unit test checks them against the catalogue.
 */

/** The example plan of a ceremony type, as docs/ceremonies names it. */
export const planFileName = (type: string): string => `${type}.yaml`;

/** The ceremony type a plan file is for: its top-level `ceremony:` line. */
export function ceremonyOfPlan(text: string): string | undefined {
  return /^ceremony:[ \t]*([a-z0-9-]+)[ \t]*(#.*)?$/m.exec(text)?.[1];
}

/**
 * What a plan file says it does: the first paragraph of its opening comment (after the checksum line), up to
 * an empty comment line or an indented example command.
 */
export function planSummary(text: string): string {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.includes('keyward-plan-sha256')) continue;
    if (!line.startsWith('#')) break;
    const words = line.replace(/^#/, '');
    if (words.trim() === '' || /^\s{2,}\S/.test(words)) {
      if (lines.length) break;
      continue;
    }
    lines.push(words.trim());
  }
  return lines.join(' ');
}

export interface PlanDoc {
  type: string;
  file: string;
  text: string;
}

export interface DocIndex {
  /** One example plan for each type, in the order the types are given. */
  plans: PlanDoc[];
  /** Types that have no example plan (a defect: the unit test refuses it). */
  missing: string[];
  /** The folder's other files (its README, the rehearsal answers), by name. */
  others: string[];
}

/**
 * The example plan of each type, and the files that are not one. Without the catalogue (`types` undefined),
 * every plan file in the folder's order.
 */
export function docIndex(files: Readonly<Record<string, string>>, types?: readonly string[]): DocIndex {
  const planOf = (file: string): PlanDoc | undefined => {
    const text = files[file];
    const type = text === undefined ? undefined : ceremonyOfPlan(text);
    return text !== undefined && type !== undefined && planFileName(type) === file ? { type, file, text } : undefined;
  };
  const all = Object.keys(files)
    .map(planOf)
    .filter((p) => p !== undefined);
  const plans = types ? types.map((type) => planOf(planFileName(type))).filter((p) => p !== undefined) : all;
  return {
    plans,
    missing: types ? types.filter((type) => !plans.some((p) => p.type === type)) : [],
    others: Object.keys(files).filter((file) => !all.some((p) => p.file === file)),
  };
}

/** The README's Markdown as the screen shows it: headings, paragraphs, indented or fenced code, and tables. */
export type DocBlock =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'table'; head: string[]; rows: string[][] };

const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());

export function markdownBlocks(text: string): DocBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  let at = 0;
  const take = (keep: (line: string) => boolean): string[] => {
    const taken: string[] = [];
    while (at < lines.length && keep(lines[at] ?? '')) taken.push(lines[at++] ?? '');
    return taken;
  };
  while (at < lines.length) {
    const line = lines[at] ?? '';
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (line.trim() === '') at++;
    else if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]?.length ?? 1, text: heading[2]?.trim() ?? '' });
      at++;
    } else if (line.startsWith('```')) {
      at++;
      const code = take((l) => !l.startsWith('```'));
      at++;
      blocks.push({ kind: 'code', text: code.join('\n') });
    } else if (line.startsWith('    ')) {
      const code = take((l) => l.startsWith('    ') || l.trim() === '');
      while (code.at(-1)?.trim() === '') code.pop();
      blocks.push({ kind: 'code', text: code.map((l) => l.slice(4)).join('\n') });
    } else if (line.trimStart().startsWith('|')) {
      const rows = take((l) => l.trimStart().startsWith('|'))
        .filter((l) => !/^\s*\|[\s|:-]+\|\s*$/.test(l))
        .map(cellsOf);
      blocks.push({ kind: 'table', head: rows[0] ?? [], rows: rows.slice(1) });
    } else {
      const words = take(
        (l) =>
          l.trim() !== '' &&
          !/^#{1,6}\s/.test(l) &&
          !l.startsWith('    ') &&
          !l.startsWith('```') &&
          !l.trimStart().startsWith('|'),
      );
      blocks.push({ kind: 'paragraph', text: words.map((l) => l.trim()).join(' ') });
    }
  }
  return blocks;
}

/** A line of Markdown in runs of plain text and `code`. */
export function inlineRuns(text: string): { code: boolean; text: string }[] {
  return text
    .split('`')
    .map((part, index) => ({ code: index % 2 === 1, text: part }))
    .filter((run) => run.text !== '');
}
