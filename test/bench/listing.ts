/**
 * Tree listing benchmark: 3 profiles x 17 regions x 50 instances behind 100 ms of latency
 * per call, expanded the way the Instances view does it (src/vscode/explorer/
 * instancesProvider.ts, loadProfile): per profile the caller identity (not awaited, it only
 * labels the node), DescribeRegions, then every region's DescribeInstances at once, all
 * under the session's one concurrency limit. Compared with the same calls one at a time and
 * with the lower bound that latency, call count and the limit allow.
 *
 * A second figure adds the Auto Scaling groups: every region expanded as soon as it is
 * listed, which reads its groups as the view does (src/vscode/awsBridge.ts, explorerBackend:
 * one DescribeAutoScalingGroups, then DescribeScalingActivities for the groups short of
 * capacity only), beside the region's DescribeInstances.
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
  /** Groups listed, and those whose activities were read (with groups only). */
  groups?: number;
  failingGroups?: number;
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

/** A region's groups as the view reads them: the listing, then activities for the groups short of capacity. */
async function regionGroups(session: AwsSession, profile: string, region: string): Promise<[number, number]> {
  const groups = await aws.listAutoScalingGroups(session, profile, region);
  if (!groups.ok) throw new Error(`${profile}/${region} groups: ${groups.error.message}`);
  const short = aws.groupsNeedingActivities(groups.value).map((g) => g.name);
  if (short.length === 0) return [groups.value.length, 0];
  const activities = await aws.describeScalingActivities(session, profile, region, { groupNames: short });
  if (!activities.ok) throw new Error(`${profile}/${region} activities: ${activities.error.message}`);
  return [groups.value.length, new Set(activities.value.filter((a) => a.failed).map((a) => a.groupName)).size];
}

/** Every profile expanded at once, then every region as soon as it is listed: instances and groups side by side. */
async function expandWithGroups(session: AwsSession, profiles: string[], labels: Promise<unknown>[]): Promise<Listing> {
  const listing: Required<Listing> = { instances: 0, groups: 0, failingGroups: 0, failures: [] };
  await Promise.all(
    profiles.map(async (profile) => {
      labels.push(session.callerIdentity(profile, await homeRegion(session, profile)));
      const regions = await aws.listRegions(session, profile);
      if (!regions.ok) {
        listing.failures.push(`${profile}: ${regions.error.message}`);
        return;
      }
      await Promise.all(
        regions.value.map(async (region) => {
          const [instances, [groups, failing]] = await Promise.all([
            aws.listInstances(session, profile, region),
            regionGroups(session, profile, region).catch((error: Error) => {
              listing.failures.push(error.message);
              return [0, 0] as const;
            }),
          ]);
          if (instances.ok) listing.instances += instances.value.length;
          else listing.failures.push(`${profile}/${region}: ${instances.error.message}`);
          listing.groups += groups;
          listing.failingGroups += failing;
        }),
      );
    }),
  );
  return listing;
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
  listing: Listing;
  instances: number;
  calls: CallTally;
}

const MODES = {
  parallel: expandInParallel,
  sequential: (session: AwsSession, profiles: string[]) => expandSequentially(session, profiles),
  groups: expandWithGroups,
} satisfies Record<string, (session: AwsSession, profiles: string[], labels: Promise<unknown>[]) => Promise<Listing>>;

async function measure(emulator: EmulatorProcess, mode: keyof typeof MODES): Promise<Run> {
  await emulator.resetCalls();
  const session = newSession(emulator);
  const labels: Promise<unknown>[] = [];
  const started = performance.now();
  const listing = await MODES[mode](session, emulator.profiles, labels);
  const wallMs = performance.now() - started;
  await Promise.all(labels);
  session.dispose();
  if (listing.failures.length > 0) throw new Error(`listing failed: ${listing.failures.slice(0, 3).join('; ')}`);
  return { wallMs, listing, instances: listing.instances, calls: await emulator.calls() };
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

/**
 * The same bound with the groups: every call but the caller identities and DescribeRegions
 * waits for its profile's DescribeRegions round, and DescribeScalingActivities also waits for
 * its region's DescribeAutoScalingGroups, so rounds >= max(ceil(C / L), 1 + ceil(W / L),
 * 2 + ceil(A / L)) with W the calls that wait and A the activity calls.
 */
function lowerBoundWithGroups(calls: CallTally, latencyMs: number, limit: number): Record<string, unknown> {
  const early = (calls.byAction['sts:GetCallerIdentity'] ?? 0) + (calls.byAction['ec2:DescribeRegions'] ?? 0);
  const waiting = calls.total - early;
  const activities = calls.byAction['autoscaling:DescribeScalingActivities'] ?? 0;
  const byWork = Math.ceil(calls.total / limit);
  const byRegions = 1 + Math.ceil(waiting / limit);
  const byActivities = activities > 0 ? 2 + Math.ceil(activities / limit) : 0;
  const rounds = Math.max(byWork, byRegions, byActivities);
  return {
    formula:
      'latency x max(ceil(C / L), 1 + ceil(W / L), 2 + ceil(A / L)); W: calls after DescribeRegions, A: DescribeScalingActivities calls',
    latencyMs,
    limit,
    calls: calls.total,
    waitingCalls: waiting,
    activityCalls: activities,
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
    const withGroups: Run[] = [];
    for (let i = 0; i < PARALLEL_RUNS; i++) withGroups.push(await measure(emulator, 'groups'));
    progress(`tree: with groups ${Math.round(withGroups[0].wallMs)} ms, ${withGroups[0].calls.total} calls`);
    const expected = TREE.profiles * TREE.regions * TREE.instancesPerRegion;
    for (const run of [...parallel, ...sequential, ...withGroups]) {
      if (run.instances !== expected) throw new Error(`listed ${run.instances} instances, expected ${expected}`);
    }
    const expectedGroups = TREE.profiles * TREE.regions * TREE.groupsPerRegion;
    const expectedFailing = TREE.profiles * TREE.regions;
    for (const run of withGroups) {
      if (run.listing.groups !== expectedGroups || run.listing.failingGroups !== expectedFailing)
        throw new Error(
          `listed ${run.listing.groups} groups (${run.listing.failingGroups} failing), expected ${expectedGroups} (${expectedFailing})`,
        );
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
      groups: {
        groups: expectedGroups,
        failingGroups: expectedFailing,
        parallelMs: withGroups.map((r) => r.wallMs),
        calls: withGroups[0].calls,
        callsStable: withGroups.every((r) => r.calls.total === withGroups[0].calls.total),
        lowerBound: lowerBoundWithGroups(withGroups[0].calls, LATENCY_MS, CONCURRENCY_LIMIT),
      },
    });
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
