/**
 * The worlds the AWS benchmarks run against, built in code so sizes are exact and
 * identical on every run.
 */
import { adminPolicy, ScenarioBuilder, type Scenario, type ScenarioAutoScalingGroup } from '../emulator';

/** The 17 regions enabled by default in every account (no opt-in needed). */
export const DEFAULT_REGIONS = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;

export const TREE = {
  profiles: 3,
  regions: DEFAULT_REGIONS.length,
  instancesPerRegion: 50,
  /** Auto Scaling groups per region: all but one at capacity, one failing to launch. */
  groupsPerRegion: 3,
} as const;
export const SCALE_INSTANCES = 10_000;
export const SCALE_REGION = 'eu-west-1';

/** Which world an emulator process serves. */
export type ScenarioKind = 'tree' | 'scale' | 'demo' | 'autoscaling';

/**
 * Three accounts, one administrator profile each, every default region holding 50 running
 * instances and three Auto Scaling groups (two at capacity over some of those instances, one
 * short of capacity with a failed launch activity): the tree benchmark expands all three
 * profiles at once, then every region.
 */
export function treeScenario(): { scenario: Scenario; profiles: string[] } {
  const builder = new ScenarioBuilder('bench-tree', 0);
  for (const region of DEFAULT_REGIONS) builder.region(region);
  const profiles: string[] = [];
  for (let p = 1; p <= TREE.profiles; p++) {
    const account = String(100000000000 + p * 11111);
    const name = `bench-${p}`;
    builder.account(account, `bench-account-${p}`);
    builder.principal({ name, account, region: 'us-east-1', policies: [adminPolicy()] });
    for (const region of DEFAULT_REGIONS)
      builder.instances(TREE.instancesPerRegion, { account, region, namePrefix: `${name}-${region}` });
    profiles.push(name);
  }
  const scenario = builder.build();
  scenario.launchTemplates = scenario.accounts.flatMap((account) =>
    DEFAULT_REGIONS.map((region, r) => ({
      id: treeTemplateId(account.id, r),
      name: `bench-${region}-nodes`,
      account: account.id,
      region,
      versions: [{ versionNumber: 1, default: true }],
    })),
  );
  scenario.autoScalingGroups = scenario.accounts.flatMap((account) =>
    DEFAULT_REGIONS.flatMap((region, r) =>
      treeGroups(
        account.id,
        region,
        treeTemplateId(account.id, r),
        scenario.instances.filter((i) => i.account === account.id && i.region === region).map((i) => i.id),
      ),
    ),
  );
  return { scenario, profiles };
}

/** One launch template per account and region, as `lt-` and 17 hex digits. */
function treeTemplateId(account: string, regionIndex: number): string {
  return `lt-${(Number(account) % 1e9).toString(16).padStart(9, '0')}${regionIndex.toString(16).padStart(8, '0')}`;
}

/** The groups of one region: the last one wants two instances and has none, after a failed launch. */
function treeGroups(
  account: string,
  region: string,
  templateId: string,
  instanceIds: string[],
): ScenarioAutoScalingGroup[] {
  return Array.from({ length: TREE.groupsPerRegion }, (_, g) => {
    const failing = g === TREE.groupsPerRegion - 1;
    const members = failing ? [] : instanceIds.slice(g * 2, g * 2 + 2);
    return {
      name: `bench-${region}-group-${g + 1}`,
      account,
      region,
      minSize: 0,
      maxSize: 4,
      desiredCapacity: 2,
      launchTemplate: { id: templateId, version: '$Default' },
      instances: members.map((instanceId) => ({ instanceId, lifecycleState: 'InService' })),
      activities: failing
        ? [
            {
              activityId: `00000000-0000-4000-8000-${String(g).padStart(12, '0')}`,
              description:
                'Launching a new EC2 instance: i-0bench0000000000f.  Status Reason: Client.InternalError: Client error on launch',
              cause:
                'At 2026-01-01T00:00:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 2.',
              statusCode: 'Cancelled',
              statusMessage: 'Client.InternalError: Client error on launch',
              startTime: 'now-1h',
              endTime: 'now-1h',
            },
          ]
        : [],
    };
  });
}

/** One account with 10,000 instances in one region. */
export function scaleScenario(): { scenario: Scenario; profiles: string[] } {
  const account = '100000011111';
  const builder = new ScenarioBuilder('bench-scale', 0)
    .region(SCALE_REGION)
    .region('us-east-1')
    .account(account, 'bench-scale');
  builder.principal({ name: 'bench-scale', account, region: SCALE_REGION, policies: [adminPolicy()] });
  builder.instances(SCALE_INSTANCES, { account, region: SCALE_REGION, namePrefix: 'fleet' });
  return { scenario: builder.build(), profiles: ['bench-scale'] };
}

/** `count` IAM users in one account: the profiles of a config with `count` profiles. */
export function manyProfilesScenario(count: number): Scenario {
  const account = '100000022222';
  return new ScenarioBuilder('bench-profiles', 0)
    .region('us-east-1')
    .account(account)
    .principals(count, { account, prefix: 'customer', region: 'us-east-1' })
    .build();
}
