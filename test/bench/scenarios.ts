/**
 * The worlds the AWS benchmarks run against, built in code so sizes are exact and
 * identical on every run.
 */
import { adminPolicy, ScenarioBuilder, type Scenario } from '../emulator';

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

export const TREE = { profiles: 3, regions: DEFAULT_REGIONS.length, instancesPerRegion: 50 } as const;
export const SCALE_INSTANCES = 10_000;
export const SCALE_REGION = 'eu-west-1';

/** Which world an emulator process serves. */
export type ScenarioKind = 'tree' | 'scale' | 'demo' | 'autoscaling';

/**
 * Three accounts, one administrator profile each, every default region holding 50 running
 * instances: the tree benchmark expands all three profiles at once.
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
  return { scenario: builder.build(), profiles };
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
