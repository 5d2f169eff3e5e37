/**
 * Scenario files: the accounts, principals, regions and resources the emulator serves.
 * A scenario is plain JSON so people can write one by hand; `builder.ts` makes big ones.
 * As in AWS nothing is allowed by default: each call needs an Allow from the principal's
 * policies (and from the key policy for KMS keys) and no Deny from any policy that applies.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** An IAM identity policy attached to a principal (for a session: to its role). */
export interface NamedPolicy {
  name: string;
  document: unknown;
}

export interface ScenarioAccount {
  id: string;
  alias?: string;
  /** Opt-in regions enabled for this account; when absent each region's own `enabled` flag applies. */
  enabledOptInRegions?: string[];
}

export interface ScenarioRegion {
  name: string;
  /** An opt-in region (af-south-1, ap-east-1, ...): callable only once enabled. */
  optIn?: boolean;
  /** For opt-in regions: enabled in every account unless the account says otherwise. */
  enabled?: boolean;
}

/** An action the principal is refused, `service:Action` with `*`/`?` wildcards, optionally in one region. */
export type DenyRule = string | { action: string; region?: string };

export interface ScenarioPrincipal {
  /** Also the profile name `writeAwsConfig` writes. */
  name: string;
  account: string;
  /** The IAM user or role ARN. */
  arn: string;
  /** When set the caller is the session `arn:aws:sts::<acct>:assumed-role/<role>/<sessionName>`. */
  sessionName?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** The profile's default region. */
  region?: string;
  /** Identity policies of the user or role (managed and inline alike). */
  policies?: NamedPolicy[];
  /** Shorthand for identity Deny statements; evaluated like any identity policy. */
  deny?: DenyRule[];
  /** Names of `groups` this IAM user belongs to: their policies apply too. */
  groups?: string[];
  /** The permissions boundary of the user or role. */
  permissionsBoundary?: NamedPolicy;
  /** The session policy the session was created with (role sessions only). */
  sessionPolicy?: unknown;
  /** For roles: who may assume it. Absent: the role's own account (`arn:aws:iam::<acct>:root`). */
  trustPolicy?: unknown;
  /** The IAM unique id (`AIDA...` / `AROA...`); derived from the ARN when absent. */
  uniqueId?: string;
  /** Every call answers with the service's expired-token error. */
  expired?: boolean;
}

/** An IAM group and its policies. */
export interface ScenarioGroup {
  name: string;
  account: string;
  policies: NamedPolicy[];
}

/** A service control policy or resource control policy. */
export interface OrganizationPolicy {
  name: string;
  document: unknown;
  /** Account ids it is attached to; absent: the organization root (every account). */
  targets?: string[];
}

/**
 * An AWS Organizations organization. Like AWS, `FullAWSAccess` is attached to the root and to
 * every member account unless `detachFullAwsAccess` lists the account; `RCPFullAWSAccess` always applies.
 */
export interface ScenarioOrganization {
  id: string;
  accounts: string[];
  serviceControlPolicies?: OrganizationPolicy[];
  resourceControlPolicies?: OrganizationPolicy[];
  /** Accounts whose `FullAWSAccess` SCP was detached (an SCP allow list then applies). */
  detachFullAwsAccess?: string[];
}

export interface ScenarioStateReason {
  code: string;
  message: string;
}

export interface ScenarioBlockDevice {
  deviceName: string;
  volumeId: string;
}

export type ScenarioInstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export interface ScenarioInstance {
  id: string;
  account: string;
  region: string;
  name?: string;
  state: ScenarioInstanceState;
  stateReason?: ScenarioStateReason;
  stateTransitionReason?: string;
  instanceType?: string;
  availabilityZone?: string;
  /** ISO 8601. */
  launchTime?: string;
  /**
   * When a terminated instance ended, ISO 8601 or `now-2h`. EC2 lists it for about an hour
   * after (state.ts `TERMINATED_LISTED_MS`); absent, it counts as just terminated and is listed.
   */
  terminatedAt?: string;
  blockDevices: ScenarioBlockDevice[];
  instanceProfileArn?: string;
  tags?: Record<string, string>;
  /** A launch failure unrelated to KMS that every start reproduces (capacity, volume quota...). */
  startFailure?: ScenarioStateReason;
}

export interface ScenarioVolume {
  id: string;
  account: string;
  region: string;
  availabilityZone?: string;
  sizeGiB?: number;
  volumeType?: string;
  encrypted: boolean;
  /** Key id or ARN; stored and reported as the ARN, as EC2 does. */
  kmsKeyId?: string;
}

export type ScenarioKeyState =
  'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'Unavailable' | 'Creating' | 'Updating';

export interface ScenarioKey {
  id: string;
  account: string;
  region: string;
  state: ScenarioKeyState;
  manager: 'AWS' | 'CUSTOMER';
  /** The `default` key policy: an object, or its exact text. AWS managed keys get theirs generated when absent. */
  policy?: unknown;
  /** Alias names, `alias/...`. */
  aliases?: string[];
  description?: string;
  /** ISO 8601. */
  creationDate?: string;
  /** ISO 8601, for keys pending deletion. */
  deletionDate?: string;
  /** A multi-Region primary key (`mrk-` id): DescribeKey reports MultiRegion and its configuration. */
  multiRegion?: boolean;
}

export interface ScenarioEbsDefault {
  account: string;
  /** All regions of the account when absent. */
  region?: string;
  encryptionByDefault: boolean;
  /** Key id, ARN or alias; `alias/aws/ebs` when absent. */
  kmsKeyId?: string;
}

/** A block device an AMI or a launch template version would create. */
export interface ScenarioLaunchDevice {
  deviceName: string;
  snapshotId?: string;
  encrypted?: boolean;
  /** Key id or ARN the new volume is encrypted with. */
  kmsKeyId?: string;
  volumeSizeGiB?: number;
  volumeType?: string;
}

/** An EBS snapshot; `sharedWith` lists the accounts given createVolumePermission. */
export interface ScenarioSnapshot {
  id: string;
  /** The owner account. */
  account: string;
  region: string;
  encrypted: boolean;
  kmsKeyId?: string;
  volumeSizeGiB?: number;
  sharedWith?: string[];
}

/** An AMI; `public` or `sharedWith` make it visible to other accounts. */
export interface ScenarioImage {
  id: string;
  account: string;
  region: string;
  name?: string;
  blockDevices: ScenarioLaunchDevice[];
  public?: boolean;
  sharedWith?: string[];
}

export interface ScenarioLaunchTemplateVersion {
  versionNumber: number;
  /** The template's default version (exactly one should be). */
  default?: boolean;
  /** An AMI id, or a Systems Manager parameter `resolve:ssm:<name>` (see `ScenarioSsmParameter`). */
  imageId?: string;
  blockDevices?: ScenarioLaunchDevice[];
}

export interface ScenarioLaunchTemplate {
  id: string;
  name: string;
  account: string;
  region: string;
  versions: ScenarioLaunchTemplateVersion[];
}

/**
 * A Systems Manager parameter of data type `aws:ec2:image`: its value is an AMI id, and a launch
 * template's `ImageId` may name it as `resolve:ssm:<name>`, resolved to the AMI at launch
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html).
 * One value per parameter: versions and labels (`resolve:ssm:<name>:<version>`) are not modelled.
 */
export interface ScenarioSsmParameter {
  /** As written, e.g. `/golden/eks-node` (its ARN is `arn:aws:ssm:<region>:<account>:parameter/golden/eks-node`). */
  name: string;
  account: string;
  region: string;
  /** The AMI id it holds. */
  value: string;
}

/**
 * A block device of a launch configuration. Its `Ebs` has `Encrypted` but no `KmsKeyId`
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Ebs.html): an encrypted volume
 * takes its snapshot's key, else the account's default EBS key. `noDevice` suppresses the
 * AMI's device of that name.
 */
export type ScenarioLaunchConfigurationDevice = Omit<ScenarioLaunchDevice, 'kmsKeyId'> & { noDevice?: boolean };

/** A launch configuration (DescribeLaunchConfigurations): the AMI and block devices a group launches with. */
export interface ScenarioLaunchConfiguration {
  name: string;
  account: string;
  region: string;
  imageId: string;
  /** Default t3.micro. */
  instanceType?: string;
  blockDevices?: ScenarioLaunchConfigurationDevice[];
}

/** A scaling activity as DescribeScalingActivities returns it (src/aws-records.md F7). */
export interface ScenarioScalingActivity {
  activityId: string;
  description: string;
  cause: string;
  statusCode: string;
  statusMessage?: string;
  /** ISO 8601 or `now-3h`. */
  startTime: string;
  endTime?: string;
}

export interface ScenarioAutoScalingGroup {
  name: string;
  account: string;
  region: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  launchTemplate?: { id?: string; name?: string; version?: string };
  launchConfigurationName?: string;
  instances?: { instanceId: string; lifecycleState: string; healthStatus?: string; availabilityZone?: string }[];
  /** Default: the account's AWSServiceRoleForAutoScaling. */
  serviceLinkedRoleArn?: string;
  /** Newest first, as Auto Scaling lists them. */
  activities?: ScenarioScalingActivity[];
  /** A pool of pre-initialized instances beside the group (src/aws-records.md Q3a). */
  warmPool?: ScenarioWarmPool;
}

/** A warm pool as PutWarmPool configures it and DescribeWarmPool lists it (src/aws-records.md Q3a). */
export interface ScenarioWarmPool {
  /** The state a warmed instance is kept in. */
  poolState: 'Stopped' | 'Running' | 'Hibernated';
  /** At least this many instances in the pool (default 0). */
  minSize?: number;
  /** Instances in the pool or in any state but Terminated; absent (or -1): the group's MaxSize. */
  maxGroupPreparedCapacity?: number;
  instances?: { instanceId: string; lifecycleState: string; healthStatus?: string; availabilityZone?: string }[];
}

export interface Scenario {
  name?: string;
  description?: string;
  /** How long `pending`/`stopping` last, in ms (default 1500; 0 settles at once). */
  launchDelayMs?: number;
  accounts: ScenarioAccount[];
  regions: ScenarioRegion[];
  principals: ScenarioPrincipal[];
  keys: ScenarioKey[];
  volumes: ScenarioVolume[];
  instances: ScenarioInstance[];
  ebsDefaults?: ScenarioEbsDefault[];
  /** Past CloudTrail records, exactly as `CloudTrailEvent` holds them (recipientAccountId and awsRegion place them). */
  trailEvents?: Record<string, unknown>[];
  groups?: ScenarioGroup[];
  organization?: ScenarioOrganization;
  /** IAM users and roles that exist without an access key here (key policies may name them). */
  identities?: string[];
  /** ARNs of keys already deleted: volumes may still name them, KMS answers NotFoundException. */
  deletedKeys?: string[];
  snapshots?: ScenarioSnapshot[];
  images?: ScenarioImage[];
  launchTemplates?: ScenarioLaunchTemplate[];
  /** Parameters a launch template's `imageId` may name (`resolve:ssm:<name>`). */
  ssmParameters?: ScenarioSsmParameter[];
  launchConfigurations?: ScenarioLaunchConfiguration[];
  autoScalingGroups?: ScenarioAutoScalingGroup[];
}

const SCENARIO_DIR = path.join(__dirname, 'scenarios');

/**
 * Loads a scenario by name (a file of `test/emulator/scenarios`) or by path, and checks
 * that its references hold (volumes of instances, keys of volumes, accounts).
 */
export function loadScenario(nameOrPath: string): Scenario {
  const file = /[\\/]|\.json$/.test(nameOrPath)
    ? path.resolve(nameOrPath)
    : path.join(SCENARIO_DIR, `${nameOrPath}.json`);
  const scenario = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
  validateScenario(scenario);
  return scenario;
}

/** The ARN of a scenario key. */
export function keyArnOf(key: Pick<ScenarioKey, 'id' | 'account' | 'region'>): string {
  return `arn:aws:kms:${key.region}:${key.account}:key/${key.id}`;
}

/** The ARN a principal calls as: its user/role, or the role session. */
export function callerArnOf(principal: Pick<ScenarioPrincipal, 'arn' | 'sessionName' | 'account'>): string {
  if (!principal.sessionName) return principal.arn;
  const roleName = principal.arn.split('/').pop() ?? principal.arn;
  return `arn:aws:sts::${principal.account}:assumed-role/${roleName}/${principal.sessionName}`;
}

/** The IAM unique id of a user (`AIDA...`) or role (`AROA...`): the scenario's, or one derived from the ARN. */
export function uniqueIdOf(principal: Pick<ScenarioPrincipal, 'arn' | 'uniqueId'>): string {
  if (principal.uniqueId) return principal.uniqueId;
  let h = 0x811c9dc5;
  for (let i = 0; i < principal.arn.length; i++) h = Math.imul(h ^ principal.arn.charCodeAt(i), 0x01000193) >>> 0;
  return (/:role\//.test(principal.arn) ? 'AROA' : 'AIDA') + h.toString(16).toUpperCase().padStart(8, '0') + 'EXAMPLE';
}

/** Throws with every broken reference listed; a scenario with a typo should not half-work. */
export function validateScenario(scenario: Scenario): void {
  const problems: string[] = [];
  for (const field of ['accounts', 'regions', 'principals', 'keys', 'volumes', 'instances'] as const) {
    if (!Array.isArray(scenario[field])) problems.push(`"${field}" must be an array`);
  }
  if (problems.length) throw new Error(`Invalid scenario: ${problems.join('; ')}`);
  const accounts = new Set(scenario.accounts.map((a) => a.id));
  const regions = new Set(scenario.regions.map((r) => r.name));
  const volumes = new Set(scenario.volumes.map((v) => v.id));
  const keyRefs = new Set<string>();
  for (const k of scenario.keys) {
    keyRefs.add(k.id);
    keyRefs.add(keyArnOf(k));
  }
  for (const arn of scenario.deletedKeys ?? []) keyRefs.add(arn);
  const accessKeys = new Set<string>();
  const place = (what: string, account: string, region?: string): void => {
    if (!accounts.has(account)) problems.push(`${what}: unknown account ${account}`);
    if (region !== undefined && !regions.has(region)) problems.push(`${what}: unknown region ${region}`);
  };
  for (const p of scenario.principals) {
    place(`principal ${p.name}`, p.account);
    if (accessKeys.has(p.accessKeyId)) problems.push(`principal ${p.name}: access key reused`);
    accessKeys.add(p.accessKeyId);
    for (const g of p.groups ?? [])
      if (!scenario.groups?.some((x) => x.name === g && x.account === p.account))
        problems.push(`principal ${p.name}: unknown group ${g}`);
  }
  for (const k of scenario.keys) place(`key ${k.id}`, k.account, k.region);
  for (const v of scenario.volumes) {
    place(`volume ${v.id}`, v.account, v.region);
    if (v.kmsKeyId && !keyRefs.has(v.kmsKeyId)) problems.push(`volume ${v.id}: unknown key ${v.kmsKeyId}`);
  }
  for (const i of scenario.instances) {
    place(`instance ${i.id}`, i.account, i.region);
    for (const b of i.blockDevices)
      if (!volumes.has(b.volumeId)) problems.push(`instance ${i.id}: unknown volume ${b.volumeId}`);
    if (i.terminatedAt !== undefined && i.state !== 'terminated')
      problems.push(`instance ${i.id}: terminatedAt on an instance that is ${i.state}`);
  }
  const snapshots = new Set((scenario.snapshots ?? []).map((x) => x.id));
  const devices = (what: string, list: ScenarioLaunchDevice[] = []): void => {
    for (const d of list) {
      if (d.snapshotId && !snapshots.has(d.snapshotId)) problems.push(`${what}: unknown snapshot ${d.snapshotId}`);
      if (d.kmsKeyId && !keyRefs.has(d.kmsKeyId) && !d.kmsKeyId.startsWith('alias/'))
        problems.push(`${what}: unknown key ${d.kmsKeyId}`);
    }
  };
  for (const x of scenario.snapshots ?? []) place(`snapshot ${x.id}`, x.account, x.region);
  for (const x of scenario.images ?? []) {
    place(`image ${x.id}`, x.account, x.region);
    devices(`image ${x.id}`, x.blockDevices);
  }
  const templates = scenario.launchTemplates ?? [];
  for (const t of templates) {
    place(`launch template ${t.id}`, t.account, t.region);
    for (const v of t.versions) devices(`launch template ${t.id} version ${v.versionNumber}`, v.blockDevices);
  }
  for (const x of scenario.ssmParameters ?? []) place(`parameter ${x.name}`, x.account, x.region);
  const configurations = scenario.launchConfigurations ?? [];
  for (const c of configurations) {
    place(`launch configuration ${c.name}`, c.account, c.region);
    if (!(scenario.images ?? []).some((i) => i.id === c.imageId))
      problems.push(`launch configuration ${c.name}: unknown image ${c.imageId}`);
    // A launch configuration cannot name a KMS key: its Ebs shape has no KmsKeyId.
    if ((c.blockDevices ?? []).some((d) => 'kmsKeyId' in d))
      problems.push(`launch configuration ${c.name}: a launch configuration cannot name a KMS key`);
    devices(`launch configuration ${c.name}`, c.blockDevices);
  }
  const instanceIds = new Set(scenario.instances.map((i) => i.id));
  for (const g of scenario.autoScalingGroups ?? []) {
    place(`group ${g.name}`, g.account, g.region);
    const lt = g.launchTemplate;
    if (lt && !templates.some((t) => t.id === lt.id || t.name === lt.name))
      problems.push(`group ${g.name}: unknown launch template`);
    const lc = g.launchConfigurationName;
    if (lc && !configurations.some((c) => c.name === lc && c.account === g.account && c.region === g.region))
      problems.push(`group ${g.name}: unknown launch configuration ${lc}`);
    if (lt && lc) problems.push(`group ${g.name}: names both a launch template and a launch configuration`);
    for (const i of [...(g.instances ?? []), ...(g.warmPool?.instances ?? [])])
      if (!instanceIds.has(i.instanceId)) problems.push(`group ${g.name}: unknown instance ${i.instanceId}`);
  }
  if (problems.length) throw new Error(`Invalid scenario: ${problems.slice(0, 20).join('; ')}`);
}
