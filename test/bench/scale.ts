/**
 * Scale benchmarks: 10,000 instances in one region (time and memory, each run in a fresh
 * process) and a shared config with 5,000 profiles (listProfiles, the files re-read each time).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeAwsConfig } from '../emulator';
import { loadAwsBundle, startEmulatorProcess, type EmulatorProcess } from './harness';
import { progress, sendResult, timeMsAsync } from './protocol';
import { manyProfilesScenario, SCALE_INSTANCES } from './scenarios';

const INSTANCE_RUNS = 3;
const PROFILE_COUNT = 5000;
const PROFILE_RUNS = 9;
const CLIENT_TIMEOUT_MS = 120_000;

function listInFreshProcess(emulator: EmulatorProcess): Promise<Record<string, number>> {
  const child = fork(
    path.join(__dirname, 'scaleClient.ts'),
    [emulator.configFile, emulator.credentialsFile, emulator.profiles[0]],
    {
      execArgv: ['--import', 'tsx', '--expose-gc', '--no-warnings'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    let result: Record<string, number> | undefined;
    const timer = setTimeout(() => child.kill(), CLIENT_TIMEOUT_MS);
    child.on('message', (message: { type: string; result: Record<string, number> }) => {
      if (message.type === 'result') result = message.result;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && result) resolve(result);
      else reject(new Error(`the scale client exited with code ${code}`));
    });
  });
}

async function instancesAtScale(): Promise<Record<string, unknown>> {
  const emulator = await startEmulatorProcess('scale', 0);
  try {
    // The emulator's own first replies are slow (its code is not optimised yet): not ours to count.
    await listInFreshProcess(emulator);
    const runs: Record<string, number>[] = [];
    for (let i = 0; i < INSTANCE_RUNS; i++) {
      await emulator.resetCalls();
      const run = await listInFreshProcess(emulator);
      if (run.instances !== SCALE_INSTANCES)
        throw new Error(`listed ${run.instances} instances, expected ${SCALE_INSTANCES}`);
      runs.push(run);
      progress(
        `scale: ${SCALE_INSTANCES} instances in ${Math.round(run.listMs)} ms, peak RSS +${Math.round(run.peakRssDeltaMiB)} MiB`,
      );
    }
    const calls = await emulator.calls();
    const pick = (key: string): number[] => runs.map((r) => r[key]);
    return {
      instances: SCALE_INSTANCES,
      callsPerListing: calls.total,
      listMs: pick('listMs'),
      heapUsedDeltaMiB: pick('heapUsedDeltaMiB'),
      heapRetainedDeltaMiB: pick('heapRetainedDeltaMiB'),
      rssDeltaMiB: pick('rssDeltaMiB'),
      peakRssDeltaMiB: pick('peakRssDeltaMiB'),
    };
  } finally {
    await emulator.stop();
  }
}

async function manyProfiles(): Promise<Record<string, unknown>> {
  const aws = loadAwsBundle();
  const dir = mkdtempSync(path.join(tmpdir(), 'ec2ld-bench-profiles-'));
  try {
    // writeAwsConfig adds a few profiles of other sign-in kinds: fewer users make up for them.
    const extra = writeAwsConfig(dir, { url: 'http://127.0.0.1:9' }, manyProfilesScenario(1)).profiles.length - 1;
    const files = writeAwsConfig(dir, { url: 'http://127.0.0.1:9' }, manyProfilesScenario(PROFILE_COUNT - extra));
    const options = { configFile: files.configFile, credentialsFile: files.credentialsFile, ignoreCache: true };
    const first = await timeMsAsync(() => aws.listProfiles(options));
    if (first.value.length !== PROFILE_COUNT)
      throw new Error(`listed ${first.value.length} profiles, expected ${PROFILE_COUNT}`);
    const samples: number[] = [];
    for (let i = 0; i < PROFILE_RUNS; i++) samples.push((await timeMsAsync(() => aws.listProfiles(options))).ms);
    return {
      profiles: first.value.length,
      fileBytes: statSync(files.configFile).size + statSync(files.credentialsFile).size,
      firstCallMs: first.ms,
      listMs: samples,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const instances = await instancesAtScale();
  const profiles = await manyProfiles();
  progress(`scale: ${PROFILE_COUNT} profiles listed`);
  sendResult({ instances, profiles });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
