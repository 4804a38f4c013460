/**
 * The Help screen's ceremony docs (issue 19): every ceremony type in the catalogue has its example plan in
 * docs/ceremonies, every file of that folder is built into the renderer and reachable from the screen, and
 * the README's Markdown reads as blocks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ceremonyCatalogue, ceremonyTypes } from '../../src/main/ceremonies/catalogue';
import {
  ceremonyOfPlan,
  docIndex,
  inlineRuns,
  markdownBlocks,
  planFileName,
  planSummary,
} from '../../src/shared/plan-docs';

const root = join(import.meta.dirname, '..', '..');
const folder = join(root, 'docs/ceremonies');
const files: Record<string, string> = Object.fromEntries(
  readdirSync(folder).map((name) => [name, readFileSync(join(folder, name), 'utf8')]),
);

describe('the ceremony docs in Help', () => {
  it('has an example plan for every ceremony type, in the catalogue’s order, naming its type', () => {
    const index = docIndex(files, ceremonyTypes);
    expect(index.missing).toEqual([]);
    expect(index.plans.map((p) => p.type)).toEqual(ceremonyTypes);
    for (const plan of index.plans) {
      expect(plan.file).toBe(planFileName(plan.type));
      expect(ceremonyOfPlan(plan.text)).toBe(plan.type);
      expect(planSummary(plan.text).length).toBeGreaterThan(20);
    }
  });

  it('leaves out no file of the folder: the others are the README and the rehearsal answers', () => {
    const index = docIndex(files, ceremonyTypes);
    expect([...index.plans.map((p) => p.file), ...index.others].sort()).toEqual(Object.keys(files).sort());
    expect(index.others.sort()).toEqual(['README.md', 'rehearsal-answers.yaml']);
    // Without the catalogue the plans are still all listed.
    expect(
      docIndex(files)
        .plans.map((p) => p.type)
        .sort(),
    ).toEqual([...ceremonyTypes].sort());
  });

  it('builds every file of docs/ceremonies into the renderer, each by its name, as it is on disk', async () => {
    // Loaded as Vite builds it (its import.meta.glob); by path, as the renderer is outside this test's TypeScript project.
    const { ceremonyDocFiles } = (await import(join(root, 'src/renderer/help/ceremony-docs.ts'))) as {
      ceremonyDocFiles: Readonly<Record<string, string>>;
    };
    expect(Object.keys(ceremonyDocFiles).sort()).toEqual(Object.keys(files).sort());
    for (const [name, text] of Object.entries(files)) expect(ceremonyDocFiles[name], name).toBe(text);
  });

  it('tells a type from its plan’s ceremony line, and a plan’s purpose from its opening comment', () => {
    expect(ceremonyOfPlan('# a comment\nceremony: rotate-cmk # why\nofficers: [a, b]\n')).toBe('rotate-cmk');
    expect(ceremonyOfPlan('  ceremony: nested\n')).toBeUndefined();
    expect(
      planSummary(
        '# keyward-plan-sha256: 00\n# Rotate a CMK: a new version\n# made active.\n#\n#   keyward ceremony run x\nceremony: rotate-cmk\n',
      ),
    ).toBe('Rotate a CMK: a new version made active.');
    expect(planSummary(files['generate-cmk.yaml'] ?? '')).toBe(
      'Generate a customer master key (CMK) inside the HSM, under dual control.',
    );
    // A file that is not a type's plan under its name is not taken for one.
    expect(docIndex({ 'x.yaml': 'ceremony: y\n' }).plans).toEqual([]);
  });

  it('reads the README as headings, paragraphs, code and tables', () => {
    const blocks = markdownBlocks(files['README.md'] ?? '');
    expect(blocks[0]).toEqual({ kind: 'heading', level: 1, text: 'Ceremony plans' });
    expect(blocks).toContainEqual({ kind: 'code', text: 'keyward ceremony run PLAN.yaml --out DRIVE-FOLDER' });
    const table = blocks.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.head).toEqual(['plan', 'ceremony']);
    // Every plan the table names is one the catalogue has (or the README would point at a plan that is not there).
    const named = table?.kind === 'table' ? table.rows.flatMap((r) => [...(r[0] ?? '').matchAll(/`([^`]+)`/g)]) : [];
    expect(named.map((m) => m[1]).sort()).toEqual(ceremonyCatalogue.map((c) => planFileName(c.type)).sort());
    expect(blocks.flatMap((b) => (b.kind === 'heading' ? [b.level] : []))).toEqual([1, 2]);
    expect(markdownBlocks('a\nb\n\n```\nx\n  y\n```\n|h|\n|-|\n|c|\n####### z\n')).toEqual([
      { kind: 'paragraph', text: 'a b' },
      { kind: 'code', text: 'x\n  y' },
      { kind: 'table', head: ['h'], rows: [['c']] },
      { kind: 'paragraph', text: '####### z' },
    ]);
    expect(inlineRuns('run `keyward verify` now')).toEqual([
      { code: false, text: 'run ' },
      { code: true, text: 'keyward verify' },
      { code: false, text: ' now' },
    ]);
  });
});
