/**
 * Shared pieces of the AWS benchmarks: the emulator process and its control API, and the
 * AWS layer as shipped (dist/aws.js, built by `npm run build`), not the sources.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as AwsModule from '../../src/aws';
import type { EmulatorReady } from './emulatorProcess';
import type { ScenarioKind } from './scenarios';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const AWS_BUNDLE = path.join(REPO_ROOT, 'dist', 'aws.js');
const STARTUP_TIMEOUT_MS = 60_000;

/** The lazily loaded AWS bundle of the extension. */
export function loadAwsBundle(): typeof AwsModule {
  if (!existsSync(AWS_BUNDLE))
    throw new Error(`${AWS_BUNDLE} is missing: run "npm run build" first (npm run bench does).`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(AWS_BUNDLE) as typeof AwsModule;
}

/** The emulator's call counter, summed over regions and principals. */
export interface CallTally {
  total: number;
  byAction: Record<string, number>;
}

/** A running emulator process and what it serves. */
export interface EmulatorProcess extends Omit<EmulatorReady, 'type'> {
  calls(): Promise<CallTally>;
  resetCalls(): Promise<void>;
  stop(): Promise<void>;
}

async function control(url: string, method: string, route: string): Promise<unknown> {
  const response = await fetch(`${url}/__emulator/${route}`, { method });
  if (!response.ok) throw new Error(`emulator control ${method} ${route}: HTTP ${response.status}`);
  return response.json();
}

/** Starts the emulator with `kind`'s world and `latencyMs` added to every AWS call. */
export function startEmulatorProcess(kind: ScenarioKind, latencyMs: number): Promise<EmulatorProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'emulatorProcess.ts'), [kind, String(latencyMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the ${kind} emulator did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${kind} emulator exited with code ${code}`));
    });
    child.once('message', (message: EmulatorReady) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const { url } = message;
      resolve({
        url,
        configFile: message.configFile,
        credentialsFile: message.credentialsFile,
        profiles: message.profiles,
        async calls() {
          const body = (await control(url, 'GET', 'calls')) as {
            total: number;
            calls: { service: string; action: string; count: number }[];
          };
          const byAction: Record<string, number> = {};
          for (const row of body.calls)
            byAction[`${row.service}:${row.action}`] = (byAction[`${row.service}:${row.action}`] ?? 0) + row.count;
          return { total: body.total, byAction };
        },
        async resetCalls() {
          await control(url, 'DELETE', 'calls');
        },
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      });
    });
  });
}
