/**
 * Diagnosis benchmark: the demo scenario's stopped instances diagnosed as dev-admin with
 * 100 ms of latency on every AWS call. Reports wall time, the engine's rounds and calls
 * (report.calls) and the calls the emulator counted.
 */
import { diagnoseAutoScalingGroup, diagnoseInstance } from '../../src/core/diagnosis';
import { loadAwsBundle, startEmulatorProcess, type EmulatorProcess } from './harness';
import { progress, sendResult } from './protocol';

const LATENCY_MS = 100;
const RUNS = 3;
const PROFILE = 'dev-admin';
const REGION = 'eu-west-1';

/** The demo's stopped instances, by what stopped them (see test/emulator/scenarios/demo.json). */
const CASES: { instanceId: string; cause: string }[] = [
  { instanceId: 'i-00de0000000000004', cause: 'missing CreateGrant' },
  { instanceId: 'i-00de0000000000005', cause: 'disabled key' },
  { instanceId: 'i-00de0000000000006', cause: 'key pending deletion' },
  { instanceId: 'i-00de0000000000007', cause: 'explicit Deny' },
  { instanceId: 'i-00de0000000000008', cause: 'cross-account key' },
  { instanceId: 'i-00de0000000000009', cause: 'user stop' },
  { instanceId: 'i-00de0000000000010', cause: 'volume limit' },
];

/** An Auto Scaling group whose role the key policy does not name (test/emulator/scenarios/autoscaling.json). */
const GROUP_CASE = {
  groupName: 'eks-nodes-asg',
  profile: 'platform-admin',
  region: 'us-west-2',
  cause: 'Auto Scaling group, role missing from the key policy',
};

const aws = loadAwsBundle();

async function diagnoseGroupOnce(emulator: EmulatorProcess): Promise<Record<string, unknown>> {
  await emulator.resetCalls();
  const session = new aws.AwsSession({ configFile: emulator.configFile, credentialsFile: emulator.credentialsFile });
  try {
    const ports = aws.createDiagnosisPorts(session, GROUP_CASE.profile, GROUP_CASE.region);
    const started = performance.now();
    const report = await diagnoseAutoScalingGroup(
      { groupName: GROUP_CASE.groupName, profile: GROUP_CASE.profile, region: GROUP_CASE.region },
      ports,
    );
    const wallMs = performance.now() - started;
    const emulatorCalls = await emulator.calls();
    return {
      wallMs,
      rounds: report.calls.rounds,
      calls: report.calls.count,
      emulatorCalls: emulatorCalls.total,
      verdict: report.verdict.code,
      byAction: report.calls.byAction,
    };
  } finally {
    session.dispose();
  }
}

async function diagnoseOnce(emulator: EmulatorProcess, instanceId: string): Promise<Record<string, unknown>> {
  await emulator.resetCalls();
  const session = new aws.AwsSession({ configFile: emulator.configFile, credentialsFile: emulator.credentialsFile });
  try {
    // As the CLI and the extension do: accounts known from the config, by profile.
    const profilesByAccount: Record<string, string[]> = {};
    for (const p of await session.profiles()) if (p.accountId) (profilesByAccount[p.accountId] ??= []).push(p.name);
    const ports = aws.createDiagnosisPorts(session, PROFILE, REGION);
    const started = performance.now();
    const report = await diagnoseInstance({ instanceId, profile: PROFILE, region: REGION, profilesByAccount }, ports);
    const wallMs = performance.now() - started;
    const emulatorCalls = await emulator.calls();
    return {
      wallMs,
      rounds: report.calls.rounds,
      calls: report.calls.count,
      emulatorCalls: emulatorCalls.total,
      verdict: report.verdict.code,
      byAction: report.calls.byAction,
    };
  } finally {
    session.dispose();
  }
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess('demo', LATENCY_MS);
  try {
    await diagnoseOnce(emulator, CASES[0].instanceId);
    const cases: Record<string, unknown>[] = [];
    for (const { instanceId, cause } of CASES) {
      const runs: Record<string, unknown>[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await diagnoseOnce(emulator, instanceId));
      const first = runs[0];
      progress(
        `diagnosis: ${instanceId} (${cause}) ${first.verdict}, ${first.rounds} rounds, ${first.calls} calls, ${Math.round(first.wallMs as number)} ms`,
      );
      cases.push({
        instanceId,
        cause,
        verdict: first.verdict,
        rounds: first.rounds,
        calls: first.calls,
        emulatorCalls: first.emulatorCalls,
        byAction: first.byAction,
        stable: runs.every((r) => r.rounds === first.rounds && r.calls === first.calls && r.verdict === first.verdict),
        wallMs: runs.map((r) => r.wallMs),
      });
    }
    cases.push(await groupCase());
    sendResult({ latencyMs: LATENCY_MS, profile: PROFILE, region: REGION, cases });
  } finally {
    await emulator.stop();
  }
}

/** The group case, in the same shape as the instances' (its name in `instanceId`). */
async function groupCase(): Promise<Record<string, unknown>> {
  const emulator = await startEmulatorProcess('autoscaling', LATENCY_MS);
  try {
    await diagnoseGroupOnce(emulator);
    const runs: Record<string, unknown>[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await diagnoseGroupOnce(emulator));
    const first = runs[0];
    progress(
      `diagnosis: ${GROUP_CASE.groupName} (${GROUP_CASE.cause}) ${first.verdict}, ${first.rounds} rounds, ${first.calls} calls, ${Math.round(first.wallMs as number)} ms`,
    );
    return {
      instanceId: `asg:${GROUP_CASE.groupName}`,
      cause: GROUP_CASE.cause,
      verdict: first.verdict,
      rounds: first.rounds,
      calls: first.calls,
      emulatorCalls: first.emulatorCalls,
      byAction: first.byAction,
      stable: runs.every((r) => r.rounds === first.rounds && r.calls === first.calls && r.verdict === first.verdict),
      wallMs: runs.map((r) => r.wallMs),
    };
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
