// Compiles the host suite (test/host/suite) to dist-test/host so the extension host can load it.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const hostSuiteDir = path.join(root, 'dist-test', 'host');

/** Builds every test/host/suite/*.ts file into dist-test/host. */
export async function buildHostSuite() {
  const suite = path.join(root, 'test', 'host', 'suite');
  const entryPoints = fs
    .readdirSync(suite)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(suite, f));
  fs.rmSync(hostSuiteDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: hostSuiteDir,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    sourcemap: 'inline',
    mainFields: ['module', 'main'],
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return hostSuiteDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildHostSuite();
