/**
 * Every key a ceremony step's result can hold has words (issue 19, point 15): the step files are read
 * with the TypeScript parser, and every key their `run` returns (or their `commit` adds to the result)
 * must have a label in src/shared/step-result-words.ts. A step that starts returning a new key fails
 * here, never reaching the transcript PDF as a raw field name.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { resultLines, stepResultWords } from '../../src/shared/step-result-words';

const folder = 'src/main/ceremonies';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : entry.endsWith('.ts') ? [path] : [];
  });
}

const nameOf = (name: ts.PropertyName | undefined): string | undefined =>
  name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;

/** The keys of an object literal an expression yields (through await, parentheses, conditionals, spreads, Promise.resolve). */
function literalKeys(expression: ts.Expression | undefined): string[] {
  if (!expression) return [];
  if (ts.isParenthesizedExpression(expression) || ts.isAwaitExpression(expression) || ts.isAsExpression(expression))
    return literalKeys(expression.expression);
  if (ts.isConditionalExpression(expression))
    return [...literalKeys(expression.whenTrue), ...literalKeys(expression.whenFalse)];
  if (ts.isCallExpression(expression) && expression.expression.getText().endsWith('Promise.resolve'))
    return literalKeys(expression.arguments[0]);
  if (!ts.isObjectLiteralExpression(expression)) return [];
  return expression.properties.flatMap((p) =>
    ts.isSpreadAssignment(p)
      ? literalKeys(p.expression)
      : ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)
        ? [nameOf(p.name) ?? '']
        : [],
  );
}

/** Every key a run returns: its return statements (and expression bodies), at any depth. */
function returnedKeys(body: ts.Node): string[] {
  const keys: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node)) keys.push(...literalKeys(node.expression));
    if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) keys.push(...literalKeys(node.body));
    ts.forEachChild(node, visit);
  };
  visit(body);
  return keys;
}

/** Result keys, by file: what each `run` returns, what `result.KEY = …` adds, and `const result: Result = {…}`. */
function scannedKeys(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sources(folder)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const keys: string[] = [];
    const visit = (node: ts.Node): void => {
      if (
        (ts.isPropertyAssignment(node) || ts.isMethodDeclaration(node)) &&
        nameOf(node.name) === 'run' &&
        (ts.isMethodDeclaration(node) ||
          ts.isArrowFunction(node.initializer) ||
          ts.isFunctionExpression(node.initializer))
      )
        keys.push(...returnedKeys(node));
      if (
        ts.isBinaryExpression(node) &&
        node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(node.left) &&
        node.left.expression.getText() === 'result'
      )
        keys.push(node.left.name.text);
      if (ts.isVariableDeclaration(node) && node.type?.getText() === 'Result')
        keys.push(...literalKeys(node.initializer));
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (keys.length) found.set(file, [...new Set(keys)]);
  }
  return found;
}

/**
 * Keys of object literals returned inside a run that are not its result: the backup step's callback
 * that picks each version (ref, key, recorded) before wrapping it.
 */
const notResults = new Set(['ref', 'key', 'recorded']);
/** Words ready for a key no step returns yet. */
const ahead = new Set(['publicKeyFingerprint']);

describe('step result words', () => {
  const scanned = scannedKeys();
  const all = new Set([...scanned.values()].flat());

  it('the scan finds the results of the steps (it has not stopped reading them)', () => {
    for (const key of [
      'seq',
      'headHash',
      'tokenObjectId',
      'kcvSource',
      'version',
      'replaced',
      'previousRotationDue',
      'restored',
      'approval',
      'officer',
      'approvalKeyFingerprint',
      'wrappingKeyId',
      'selfTestFinding',
      'manifestSha256',
      'destroyedObjects',
      'certificateId',
      'signerFingerprint',
    ])
      expect(all, key).toContain(key);
  });

  it('has words for every key any step returns', () => {
    const missing = [...scanned].flatMap(([file, keys]) =>
      keys.filter((k) => !notResults.has(k) && !stepResultWords[k]).map((k) => `${k} (${file})`),
    );
    expect(missing).toEqual([]);
  });

  it('has no words for keys no step returns (stale words are removed)', () => {
    expect(Object.keys(stepResultWords).filter((k) => !all.has(k) && !ahead.has(k))).toEqual([]);
  });

  it('says values in words: codes, times, records and hashes in full', () => {
    const lines = resultLines({
      tokenObjectId: 'a1b2c3d4',
      kcv: 'abc123',
      kcvSource: 'CKA_CHECK_VALUE',
      label: 'Tenant CMK v1',
      version: 1,
      replaced: null,
      previousRotationDue: '2027-01-02T03:04:05.000Z',
      restored: [{ name: 'Tenant CMK', version: 1, tokenObjectId: 'a1b2', label: 'Tenant CMK v1', kcv: 'abc123' }],
      headHash: 'ab'.repeat(32),
      approval: {
        moduleSha256: null,
        tokenSerial: '1234',
        approvedIn: 'change-hsm-1',
        approvedAt: '2026-12-04T05:24:06.000Z',
        signerFingerprint: 'cd'.repeat(32),
        hash: 'sha256',
        scheme: 'ecdsa-p1363',
        signature: 'AAAA',
      },
    });
    const byKey = Object.fromEntries(lines.map((l) => [l.key, l]));
    expect(byKey.kcvSource?.value).toBe('reported by the token (CKA_CHECK_VALUE)');
    expect(byKey.kcv).toMatchObject({ label: 'Key check value', value: 'AB C1 23', compared: true });
    expect(byKey.replaced?.value).toBe('none replaced');
    expect(byKey.previousRotationDue?.value).toBe('2027-01-02 03:04:05 UTC');
    expect(byKey.restored?.value).toBe('Tenant CMK version 1, KCV AB C1 23, token label "Tenant CMK v1", CKA_ID a1b2');
    expect(byKey.headHash?.value).toBe(`${'ABAB '.repeat(15)}ABAB`);
    expect(byKey.approval).toMatchObject({ recordOnly: true });
    expect(byKey.approval?.value).toContain('at 2026-12-04 05:24:06 UTC');
    for (const line of lines) expect(line.label).not.toBe(line.key);
  });
});
