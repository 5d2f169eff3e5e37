/**
 * The emulator in a process of its own, so that its work (building replies for thousands of
 * instances) neither runs on the measured event loop nor counts in the measured memory.
 * Started by `startEmulatorProcess`; answers over IPC once listening, stops on disconnect.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, writeAwsConfig, type FaultRule } from '../emulator';
import { scaleScenario, treeScenario, type ScenarioKind } from './scenarios';

/** What the emulator process reports once it listens. */
export interface EmulatorReady {
  type: 'ready';
  url: string;
  configFile: string;
  credentialsFile: string;
  /** The profiles the benchmark uses (the scenario's principals). */
  profiles: string[];
}

async function main(): Promise<void> {
  const kind = (process.argv[2] ?? 'demo') as ScenarioKind;
  const latencyMs = Number(process.argv[3] ?? 0);
  const built = kind === 'tree' ? treeScenario() : kind === 'scale' ? scaleScenario() : undefined;
  const faults: FaultRule[] = latencyMs > 0 ? [{ latencyMs }] : [];
  const emulator = await startEmulator({
    scenario: built?.scenario ?? (kind === 'autoscaling' ? 'autoscaling' : 'demo'),
    faults,
    launchDelayMs: 0,
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'ec2ld-bench-aws-'));
  const files = writeAwsConfig(dir, emulator, emulator.scenario);
  const ready: EmulatorReady = {
    type: 'ready',
    url: emulator.url,
    configFile: files.configFile,
    credentialsFile: files.credentialsFile,
    profiles: built?.profiles ?? emulator.scenario.principals.map((p) => p.name),
  };
  const stop = (): void => {
    void emulator.close().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.send?.(ready);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
