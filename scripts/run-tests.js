// `npm test` (= `npm run check`): everything CI runs, in order, stopping at the first failure:
// typecheck, lint, build, the offline desktop-package check, then every vitest project
// (unit, renderer, integration, e2e).
// Ends with the plain "N passed, N failed" line CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

function run(title, command, args) {
  console.log(`\n=== ${title} ===`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', shell: false });
  console.log(`--- ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result.status === 0;
}

const only = process.argv.slice(2); // e.g. `npm test -- unit integration` runs those projects only
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

if (only.length === 0) {
  for (const [title, script] of [['typecheck', 'typecheck'], ['lint', 'lint'], ['build', 'build'], ['pack check', 'pack:check']]) {
    if (!run(title, npm, ['run', '--silent', script])) {
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
  }
}

mkdirSync('.test-results', { recursive: true });
const projects = (only.length ? only : ['unit', 'renderer', 'integration', 'e2e']).flatMap((p) => ['--project', p]);
const ok = run('tests', npx, [
  'vitest', 'run', ...projects,
  '--reporter=default', '--reporter=json', '--outputFile.json=.test-results/vitest.json',
]);

let summary = { numPassedTests: 0, numFailedTests: ok ? 0 : 1, numPendingTests: 0, numTodoTests: 0 };
try {
  summary = JSON.parse(readFileSync('.test-results/vitest.json', 'utf8'));
} catch {
  console.log('(no vitest JSON report was written)');
}
const skipped = summary.numPendingTests + summary.numTodoTests;
console.log(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(ok && summary.numFailedTests === 0 ? 0 : 1);
