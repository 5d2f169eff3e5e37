// `npm run bench`: runs every benchmark in a process of its own, one after the other, then
// prints the table and writes test/bench/results/latest.json and latest.md.
// Missed targets are reported, not fatal: the exit code is non-zero only when a benchmark
// crashed. `node test/bench/run.mjs activation policy` runs a subset (nothing is written).
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRows, consoleTable, machine, markdown, stableJson, summarizeSamples } from './report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const resultsDir = path.join(here, 'results');
/** A benchmark taking longer than this is stuck, not slow. */
const SUITE_TIMEOUT_MS = 240_000;

const SUITES = [
  { name: 'activation', file: 'activation.mjs', execArgv: [] },
  { name: 'policy', file: 'policy.ts', execArgv: ['--import', 'tsx'] },
  { name: 'listing', file: 'listing.ts', execArgv: ['--import', 'tsx'] },
  { name: 'scale', file: 'scale.ts', execArgv: ['--import', 'tsx'] },
  { name: 'diagnosis', file: 'diagnosis.ts', execArgv: ['--import', 'tsx'] },
];

function runSuite(suite) {
  // The AWS SDK warns about the Node version on load; the warning says nothing about speed.
  const child = fork(path.join(here, suite.file), [], {
    cwd: root,
    execArgv: [...suite.execArgv, '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    let result;
    const timer = setTimeout(() => child.kill(), SUITE_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message?.type === 'result') result = message.result;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && result) resolve(result);
      else
        resolve({
          error: signal ? `killed by ${signal} (timeout ${SUITE_TIMEOUT_MS} ms)` : `exited with code ${code}`,
        });
    });
  });
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  if (!existsSync(path.join(root, 'dist', 'aws.js')))
    throw new Error('dist/aws.js is missing: run "npm run build" first (npm run bench does).');
  const selected = wanted.length > 0 ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;

  const loadBefore = os.loadavg();
  const started = Date.now();
  const results = {};
  for (const suite of selected) {
    process.stderr.write(`bench: ${suite.name}\n`);
    const t0 = Date.now();
    results[suite.name] = await runSuite(suite);
    process.stderr.write(
      `bench: ${suite.name} ${results[suite.name].error ? `FAILED (${results[suite.name].error})` : 'done'} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  }
  const info = { machine: machine(loadBefore), durationSeconds: Math.round((Date.now() - started) / 1000) };
  const rows = buildRows(results);

  process.stdout.write(`\n${consoleTable(rows)}\n\n`);
  process.stdout.write(
    `${info.machine.cpu}, ${info.machine.cores} cores, Node ${info.machine.node}; load average ${info.machine.loadAverageBefore.join(' / ')} -> ${info.machine.loadAverageAfter.join(' / ')}; ${info.durationSeconds} s\n`,
  );

  if (selected.length === SUITES.length) {
    mkdirSync(resultsDir, { recursive: true });
    const write = (name, text) => {
      const file = path.join(resultsDir, name);
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    write(
      'latest.json',
      stableJson({ generatedAt: new Date().toISOString(), ...info, rows, benchmarks: summarizeSamples(results) }),
    );
    const table = markdown(rows, info);
    write('latest.md', table);
    updateReadme(table);
    process.stdout.write(
      `Wrote ${path.relative(root, path.join(resultsDir, 'latest.json'))}, latest.md and the README's table\n`,
    );
  }
  const failed = rows.filter((r) => r.result === 'FAIL').map((r) => r.id);
  if (failed.length > 0) process.stdout.write(`Targets missed: ${failed.join(', ')}\n`);
  if (Object.values(results).some((r) => r.error)) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});

/** Replaces the table between the README's bench markers, so the README shows the latest run. */
function updateReadme(table) {
  const readme = path.join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    process.stderr.write('bench: README.md has no bench markers; its table was left alone\n');
    return;
  }
  writeFileSync(readme, `${text.slice(0, from + start.length)}\n${table.trim()}\n${text.slice(to)}`);
}
