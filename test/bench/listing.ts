/**
 * Tree listing benchmark: 3 profiles x 17 regions x 50 instances behind 100 ms of latency
 * per call, expanded the way the Instances view does it (src/vscode/explorer/
 * instancesProvider.ts, loadProfile): per profile the caller identity (not awaited, it only
 * labels the node), DescribeRegions, then every region's DescribeInstances at once, all
 * under the session's one concurrency limit. Compared with the same calls one at a time and
 * with the lower bound that latency, call count and the limit allow.
 */
import type { AwsSession } from '../../src/aws';
import { loadAwsBundle, startEmulatorProcess, type CallTally, type EmulatorProcess } from './harness';
import { progress, sendResult } from './protocol';
import { TREE } from './scenarios';

const LATENCY_MS = 100;
const CONCURRENCY_LIMIT = 8;
const PARALLEL_RUNS = 5;
const SEQUENTIAL_RUNS = 2;

const aws = loadAwsBundle();

interface Listing {
  instances: number;
  failures: string[];
}

function newSession(emulator: EmulatorProcess): AwsSession {
  return new aws.AwsSession({
    configFile: emulator.configFile,
    credentialsFile: emulator.credentialsFile,
    maxConcurrentRequests: CONCURRENCY_LIMIT,
  });
}

async function homeRegion(session: AwsSession, profile: string): Promise<string> {
  return (await session.profile(profile))?.region ?? aws.DEFAULT_REGION;
}

/** Every profile expanded at once, as the tree does. Resolves when the last region is listed. */
async function expandInParallel(session: AwsSession, profiles: string[], labels: Promise<unknown>[]): Promise<Listing> {
  const failures: string[] = [];
  const counts = await Promise.all(
    profiles.map(async (profile) => {
      labels.push(session.callerIdentity(profile, await homeRegion(session, profile)));
      const regions = await aws.listRegions(session, profile);
      if (!regions.ok) {
        failures.push(`${profile}: ${regions.error.message}`);
        return 0;
      }
      const listed = await Promise.all(regions.value.map((region) => aws.listInstances(session, profile, region)));
      let n = 0;
      listed.forEach((result, i) => {
        if (result.ok) n += result.value.length;
        else failures.push(`${profile}/${regions.value[i]}: ${result.error.message}`);
      });
      return n;
    }),
  );
  return { instances: counts.reduce((a, b) => a + b, 0), failures };
}

/** The same calls, each awaited before the next starts. */
async function expandSequentially(session: AwsSession, profiles: string[]): Promise<Listing> {
  const failures: string[] = [];
  let instances = 0;
  for (const profile of profiles) {
    await session.callerIdentity(profile, await homeRegion(session, profile));
    const regions = await aws.listRegions(session, profile);
    if (!regions.ok) {
      failures.push(`${profile}: ${regions.error.message}`);
      continue;
    }
    for (const region of regions.value) {
      const result = await aws.listInstances(session, profile, region);
      if (result.ok) instances += result.value.length;
      else failures.push(`${profile}/${region}: ${result.error.message}`);
    }
  }
  return { instances, failures };
}

interface Run {
  wallMs: number;
  instances: number;
  calls: CallTally;
}

async function measure(emulator: EmulatorProcess, mode: 'parallel' | 'sequential'): Promise<Run> {
  await emulator.resetCalls();
  const session = newSession(emulator);
  const labels: Promise<unknown>[] = [];
  const started = performance.now();
  const listing =
    mode === 'parallel'
      ? await expandInParallel(session, emulator.profiles, labels)
      : await expandSequentially(session, emulator.profiles);
  const wallMs = performance.now() - started;
  await Promise.all(labels);
  session.dispose();
  if (listing.failures.length > 0) throw new Error(`listing failed: ${listing.failures.slice(0, 3).join('; ')}`);
  return { wallMs, instances: listing.instances, calls: await emulator.calls() };
}

/**
 * The fastest any schedule could be: DescribeInstances calls wait for their profile's
 * DescribeRegions (one round), and no round runs more than `limit` calls.
 */
function lowerBound(calls: CallTally, latencyMs: number, limit: number): Record<string, unknown> {
  const describeInstances = calls.byAction['ec2:DescribeInstances'] ?? 0;
  const byWork = Math.ceil(calls.total / limit);
  const byChain = 1 + Math.ceil(describeInstances / limit);
  const rounds = Math.max(byWork, byChain);
  return {
    formula:
      "latency x max(ceil(C / L), 1 + ceil(D / L)); C: all calls, D: DescribeInstances calls (each waits for its profile's DescribeRegions round), L: concurrency limit",
    latencyMs,
    limit,
    calls: calls.total,
    describeInstancesCalls: describeInstances,
    roundsByWork: byWork,
    roundsByChain: byChain,
    rounds,
    ms: rounds * latencyMs,
  };
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess('tree', LATENCY_MS);
  try {
    const warmup = await measure(emulator, 'parallel');
    progress(`tree: warm-up ${Math.round(warmup.wallMs)} ms, ${warmup.calls.total} calls`);
    const parallel: Run[] = [];
    for (let i = 0; i < PARALLEL_RUNS; i++) parallel.push(await measure(emulator, 'parallel'));
    const sequential: Run[] = [];
    for (let i = 0; i < SEQUENTIAL_RUNS; i++) sequential.push(await measure(emulator, 'sequential'));
    progress(`tree: parallel ${Math.round(parallel[0].wallMs)} ms, sequential ${Math.round(sequential[0].wallMs)} ms`);
    const expected = TREE.profiles * TREE.regions * TREE.instancesPerRegion;
    for (const run of [...parallel, ...sequential]) {
      if (run.instances !== expected) throw new Error(`listed ${run.instances} instances, expected ${expected}`);
    }
    sendResult({
      shape: { ...TREE, instances: expected, latencyMs: LATENCY_MS, limit: CONCURRENCY_LIMIT },
      warmupMs: warmup.wallMs,
      parallelMs: parallel.map((r) => r.wallMs),
      sequentialMs: sequential.map((r) => r.wallMs),
      calls: parallel[0].calls,
      sequentialCalls: sequential[0].calls.total,
      callsStable: parallel.every((r) => r.calls.total === parallel[0].calls.total),
      lowerBound: lowerBound(parallel[0].calls, LATENCY_MS, CONCURRENCY_LIMIT),
    });
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
