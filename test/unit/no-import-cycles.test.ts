/**
 * No import cycles anywhere in src, type-only imports included: a cycle is two modules that cannot be
 * understood (or split into processes) apart. Relative imports are followed; packages are not.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve('src');

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

/** The files a module imports or re-exports from, resolved as TypeScript resolves a relative specifier. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
  ].map((m) => m[1] ?? '');
  return specifiers.flatMap((specifier) => {
    const base = resolve(dirname(file), specifier.replace(/\.js$/, ''));
    const found = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find(
      (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
    );
    return found ? [found] : [];
  });
}

/** Every cycle's strongly connected component (Tarjan), its members sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() ?? node;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

it('src has no import cycle, type-only imports included', () => {
  const files = sources(root);
  expect(files.length).toBeGreaterThan(100);
  const graph = new Map(files.map((f) => [relative(root, f), importsOf(f).map((to) => relative(root, to))]));
  expect(cycles(graph)).toEqual([]);
});

it('the cycle finder finds cycles, long and short, and type-only imports (so the check above can fail)', () => {
  expect(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
        ['e', ['e']],
      ]),
    ),
  ).toEqual([['a', 'b', 'c'], ['e']]);
  const folder = mkdtempSync(join(tmpdir(), 'keyward-cycles-'));
  try {
    writeFileSync(
      join(folder, 'a.ts'),
      "import type {\n  B,\n} from './b';\nexport { c } from './c.js';\nimport './d';\nimport x from 'package';\n",
    );
    for (const name of ['b.ts', 'c.ts', 'd.tsx']) writeFileSync(join(folder, name), '');
    expect(
      importsOf(join(folder, 'a.ts'))
        .map((f) => relative(folder, f))
        .sort(),
    ).toEqual(['b.ts', 'c.ts', 'd.tsx']);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
