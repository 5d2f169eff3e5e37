/**
 * Diagnosis benchmark: the demo scenario's stopped instances diagnosed as dev-admin with
 * 100 ms of latency on every AWS call. Reports wall time, the engine's rounds and calls
 * (report.calls) and the calls the emulator counted.
 */
import { diagnoseInstance } from '../../src/core/diagnosis';
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

const aws = loadAwsBundle();

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
    return { wallMs, rounds: report.calls.rounds, calls: report.calls.count, emulatorCalls: emulatorCalls.total, verdict: report.verdict.code, byAction: report.calls.byAction };
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
      progress(`diagnosis: ${instanceId} (${cause}) ${first.verdict}, ${first.rounds} rounds, ${first.calls} calls, ${Math.round(first.wallMs as number)} ms`);
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
    sendResult({ latencyMs: LATENCY_MS, profile: PROFILE, region: REGION, cases });
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
