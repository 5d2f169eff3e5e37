// `npm test`: builds, type-checks, lints and checks the formatting, then runs the tiers (unit, integration against
// the local AWS emulator, host inside a real VS Code, and the end-to-end UI tier driving that
// VS Code in Chromium) and totals them on one line.
import { spawn } from 'node:child_process';

const tiers = [
  { name: 'unit', cmd: ['npx', 'mocha', '--config', 'test/unit/.mocharc.json'], parse: parseMocha },
  { name: 'integration', cmd: ['npx', 'mocha', '--config', 'test/integration/.mocharc.json'], parse: parseMocha },
  { name: 'host', cmd: ['node', 'test/host/run-code-server.mjs'], parse: (output) => parseSummary(output, 'host') },
  { name: 'ui', cmd: ['node', 'test/host/run-ui.mjs'], parse: (output) => parseSummary(output, 'ui') },
];
const checks = [
  ['node', 'esbuild.mjs'],
  ['npx', 'tsc', '--noEmit', '-p', '.'],
  ['npx', 'eslint', '--config', 'test/lint/eslint.config.mjs', 'src', 'test'],
  ['npx', 'prettier', '--check', 'src/**/*.ts', 'test/**/*.{ts,mjs}', 'esbuild.mjs'],
];

/** Runs a command, echoing its output, and resolves with its exit code and output. */
function run([cmd, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function parseMocha(output) {
  const passed = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
  const failed = Number(/(\d+) failing/.exec(output)?.[1] ?? 0);
  return { passed, failed };
}

/** The `NAME: N passed, M failed` line the host and UI runners print. */
function parseSummary(output, name) {
  const match = new RegExp(`^${name}: (\\d+) passed, (\\d+) failed$`, 'm').exec(output);
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : { passed: 0, failed: 0 };
}

let passed = 0;
let failed = 0;
let checksFailed = 0;
for (const check of checks) {
  console.log(`\n== ${check.join(' ')}`);
  const { code } = await run(check);
  if (code !== 0) checksFailed++;
}
const summary = [];
for (const tier of tiers) {
  console.log(`\n== ${tier.name} tier`);
  const started = Date.now();
  const { code, output } = await run(tier.cmd);
  const counts = tier.parse(output);
  // A tier that fails without reporting a failed test (crash, timeout) still counts as one.
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  passed += counts.passed;
  failed += counts.failed;
  summary.push(
    `${tier.name}: ${counts.passed} passed, ${counts.failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}
console.log('\n' + summary.join('\n'));
if (checksFailed > 0) console.log(`${checksFailed} of the build, type-check and lint steps failed (see above)`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || checksFailed > 0 ? 1 : 0);
