// npm test: build, static checks, Vitest (unit + integration), Playwright (end to end), then one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const results = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(title, command, args, env = {}) {
  console.log(`\n=== ${title} ===`);
  const status = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status;
  return status === 0;
}

/** A check that is not a test runner (build, typecheck, lint) counts as one test. */
function check(title, command, args) {
  if (run(title, command, args)) results.passed++;
  else {
    results.failed++;
    failures.push(title);
  }
}

function readJson(path) {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });

check('build', 'npx', ['electron-vite', 'build', '--logLevel', 'warn']);
check('typecheck', 'npm', ['run', '--silent', 'typecheck']);
check('lint', 'npm', ['run', '--silent', 'lint']); // prettier --check, then eslint

const vitestReport = 'test-results/vitest-report.json';
const vitestOk = run('unit and integration tests (Vitest)', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
]);
const vitest = readJson(vitestReport);
if (vitest) {
  results.passed += vitest.numPassedTests;
  results.failed += vitest.numFailedTests;
  results.skipped += vitest.numPendingTests + vitest.numTodoTests;
}
if (!vitest || (!vitestOk && vitest.numFailedTests === 0)) {
  results.failed++;
  failures.push('Vitest did not complete (see above)');
}

const e2eReport = 'test-results/e2e-report.json';
const e2eOk = run('end-to-end tests (Playwright)', 'npx', ['playwright', 'test']);
const e2e = readJson(e2eReport);
if (e2e) {
  results.passed += e2e.stats.expected + e2e.stats.flaky;
  results.failed += e2e.stats.unexpected;
  results.skipped += e2e.stats.skipped;
}
if (!e2e || (!e2eOk && e2e.stats.unexpected === 0)) {
  results.failed++;
  failures.push('Playwright did not complete (see above)');
}

if (failures.length) console.log(`\nFailed checks: ${failures.join(', ')}`);
console.log(`\n${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
process.exit(results.failed === 0 ? 0 : 1);
