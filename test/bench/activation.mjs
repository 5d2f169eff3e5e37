// Activation benchmark: builds the production bundles with the project's own esbuild.mjs
// into a temporary directory (dist/ stays as `npm run build` left it), then loads and
// activates dist/extension.js in fresh processes with a `vscode` stand-in.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const RUNS = 15;
const PROBE_TIMEOUT_MS = 30_000;
/** Strings only the AWS SDK's code carries; none may appear in the activation bundle. */
const SDK_MARKERS = ['@aws-sdk/', 'aws-sdk-js', 'X-Amz-Target', 'AWS4-HMAC-SHA256'];

/**
 * Runs esbuild.mjs --production with a working directory whose src/, node_modules/ and
 * manifests link to the repository: same options, same entry points, output elsewhere.
 * esbuild.mjs also fails the build when the activation bundle contains the AWS SDK.
 */
function buildProduction(dir) {
  for (const name of ['src', 'node_modules', 'package.json', 'tsconfig.json']) {
    symlinkSync(path.join(root, name), path.join(dir, name));
  }
  execFileSync(process.execPath, [path.join(root, 'esbuild.mjs'), '--production'], { cwd: dir, stdio: 'inherit' });
  return path.join(dir, 'dist');
}

function probe(bundle, mode, storageDir, extraArgs = []) {
  const child = fork(path.join(here, 'activationProbe.mjs'), [bundle, mode, storageDir, ...extraArgs], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--no-warnings'],
  });
  return new Promise((resolve, reject) => {
    let result;
    const timer = setTimeout(() => child.kill(), PROBE_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message.type === 'result') result = message.result;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && result) resolve(result);
      else reject(new Error(`the activation probe (${mode}) exited with code ${code}`));
    });
  });
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'ec2ld-bench-activation-'));
  try {
    const dist = buildProduction(dir);
    const bundle = path.join(dist, 'extension.js');
    const text = readFileSync(bundle);
    const markers = Object.fromEntries(SDK_MARKERS.map((m) => [m, text.toString('utf8').split(m).length - 1]));
    const storage = path.join(dir, 'storage');
    mkdirSync(storage);

    // The control: expanding the tree must load the AWS bundle, and the probe must see it.
    const awsDir = path.join(dir, 'aws-config');
    mkdirSync(awsDir);
    writeFileSync(path.join(awsDir, 'config'), '[profile bench]\nregion = us-east-1\n');
    writeFileSync(
      path.join(awsDir, 'credentials'),
      '[bench]\naws_access_key_id = AKIAEXAMPLEBENCH0001\naws_secret_access_key = benchSecretNotReal\n',
    );
    const control = await probe(bundle, 'expand', storage, [
      path.join(awsDir, 'config'),
      path.join(awsDir, 'credentials'),
    ]);
    if (!control.expand?.awsBundleLoaded)
      throw new Error('expanding the tree did not load the AWS bundle: the probe cannot be trusted');

    await probe(bundle, 'measure', storage);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await probe(bundle, 'measure', storage));
    const last = runs[runs.length - 1];
    process.stderr.write(
      `  activation: ${text.length} bytes, ${last.totalMs.toFixed(1)} ms, AWS bundle loaded: ${last.awsBundleLoaded}\n`,
    );
    const result = {
      bundle: {
        file: 'dist/extension.js (production)',
        bytes: text.length,
        gzipBytes: gzipSync(text).length,
        lazyAwsBundleBytes: statSync(path.join(dist, 'aws.js')).size,
        sdkMarkers: markers,
      },
      loadMs: runs.map((r) => r.loadMs),
      activateMs: runs.map((r) => r.activateMs),
      totalMs: runs.map((r) => r.totalMs),
      proof: {
        sdkModulesLoaded: [...new Set(runs.flatMap((r) => r.sdkModules))],
        awsBundleLoadedByActivation: runs.some((r) => r.awsBundleLoaded),
        modulesRequested: last.requested,
        modulesLoaded: last.modulesLoaded,
        subscriptions: last.subscriptions,
        commands: last.commands,
        control: { rootNodes: control.expand.rootNodes, awsBundleLoadedAfterExpand: control.expand.awsBundleLoaded },
      },
      standInMissingApi: [...new Set([...control.expand.missingApi, ...runs.flatMap((r) => r.missingApi)])].sort(),
    };
    process.send?.({ type: 'result', result });
    if (!process.send) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
