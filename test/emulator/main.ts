/**
 * Runs the emulator on its own until Ctrl+C:
 *   node --import tsx test/emulator/main.ts --scenario demo [--port N] [--latency MS] [--launch-delay MS]
 * Writes an AWS config whose profiles point at it and prints how to use it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, writeAwsConfig, type FaultRule } from './index';
import { LOOKUP_EVENTS_PER_SECOND } from './services/cloudtrail';

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) args.set(name, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) args.set(name, argv[++i]);
    else args.set(name, 'true');
  }
  return args;
}

function numberArg(args: Map<string, string>, name: string): number | undefined {
  const raw = args.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} expects a non-negative number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('help')) {
    process.stdout.write(
      'Usage: main.ts --scenario <name|file.json> [--port N] [--latency MS] [--launch-delay MS] [--config-dir DIR]\n',
    );
    return;
  }
  const latency = numberArg(args, 'latency');
  const faults: FaultRule[] = latency ? [{ latencyMs: latency }] : [];
  const emulator = await startEmulator({
    scenario: args.get('scenario') ?? 'demo',
    port: numberArg(args, 'port') ?? 0,
    launchDelayMs: numberArg(args, 'launch-delay'),
    faults,
    // Standalone, CloudTrail's rate limit holds as in AWS.
    lookupEventsPerSecond: LOOKUP_EVENTS_PER_SECOND,
  });
  const dir = args.get('config-dir') ?? mkdtempSync(path.join(tmpdir(), 'ec2-launch-doctor-emulator-'));
  const files = writeAwsConfig(dir, emulator, emulator.scenario);
  const out = process.stdout;
  out.write(
    `AWS emulator (scenario "${emulator.scenario.name ?? args.get('scenario')}") listening on ${emulator.url}\n`,
  );
  out.write(`Profiles (${files.profiles.length}): ${files.profiles.join(', ')}\n\n`);
  out.write('Use it from a shell:\n');
  out.write(`  export AWS_CONFIG_FILE=${files.configFile}\n`);
  out.write(`  export AWS_SHARED_CREDENTIALS_FILE=${files.credentialsFile}\n`);
  out.write(`  aws ec2 describe-instances --profile ${files.profiles[0] ?? 'default'}\n\n`);
  out.write(
    `Control API: GET ${emulator.url}/__emulator/calls, POST ${emulator.url}/__emulator/faults, POST ${emulator.url}/__emulator/reset\n`,
  );
  out.write('Press Ctrl+C to stop.\n');

  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
