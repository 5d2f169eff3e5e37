/**
 * The first two steps of a group's report: the group with its role and latest launch, and
 * what it launches (template versions, AMIs, snapshots) with the keys they lead to. Pure.
 */
import type { LaunchKey } from '../launch/launchKeys';
import type {
  AwsFailure,
  ImageInfo,
  LaunchTemplateVersionInfo,
  Outcome,
  ScalingActivity,
  SnapshotInfo,
} from '../model';
import { failureText, type ProfileMessages } from './messages';
import type { EbsDefaults } from './stages';
import {
  STEP_TITLES,
  type DiagnosisStep,
  type Evidence,
  type GroupFacts,
  type PrincipalInfo,
  type StepId,
  type StepStatus,
} from './types';

/** What the group round learned. */
export interface GroupStage {
  facts: GroupFacts;
  /** Undefined when the ports cannot read activities. */
  activities: Outcome<ScalingActivity[]> | undefined;
  principal: PrincipalInfo | undefined;
}

/** What the group launches, and what could not be read. */
export interface LaunchStage {
  templates: { ref: string; info: LaunchTemplateVersionInfo | undefined }[];
  images: ImageInfo[];
  snapshots: SnapshotInfo[];
  defaults: Outcome<EbsDefaults>;
  failures: { action: string; text: string; failure?: AwsFailure }[];
  keys: LaunchKey[];
}

/** Where a launch activity put its instance, from Auto Scaling's own words (src/aws-records.md Q3a). */
export type ActivityLaunchKind = 'group' | 'into-warm-pool' | 'from-warm-pool';

const LAUNCH_KIND_WORDS: readonly { kind: ActivityLaunchKind; pattern: RegExp }[] = [
  { kind: 'into-warm-pool', pattern: /^Launching a new EC2 instance into warm pool\b/i },
  { kind: 'from-warm-pool', pattern: /^Launching a new EC2 instance from warm pool\b/i },
];

/** Whether the activity launched into the group, into its warm pool, or out of the pool. Pure. */
export function activityLaunchKind(activity: Pick<ScalingActivity, 'description'>): ActivityLaunchKind {
  const description = activity.description ?? '';
  return LAUNCH_KIND_WORDS.find((w) => w.pattern.test(description))?.kind ?? 'group';
}

/** The evidence line a warm-pool launch adds: what the launch was and why the same keys apply. */
const WARM_POOL_EVIDENCE: Record<Exclude<ActivityLaunchKind, 'group'>, string> = {
  'into-warm-pool':
    "into the group's warm pool: a RunInstances by the group's role, which needs the same use of the keys as any launch of the group",
  'from-warm-pool':
    "out of the group's warm pool: the group's role started a warmed instance, and EC2 asked for the volumes' grant as that role",
};

const LAUNCH_KIND_PHRASE: Record<ActivityLaunchKind, string> = {
  group: '',
  'into-warm-pool': ' into its warm pool',
  'from-warm-pool': ' from its warm pool',
};

function step(id: StepId, status: StepStatus, summary: string, evidence: Evidence[], nextStep?: string): DiagnosisStep {
  return { id, title: STEP_TITLES[id], status, summary, evidence, ...(nextStep ? { nextStep } : {}) };
}

/** The group, the role it launches as, its template or launch configuration, and its latest failed launch. */
export function groupStep(stage: GroupStage, say: ProfileMessages): DiagnosisStep {
  const { facts } = stage;
  const evidence: Evidence[] = [
    { label: 'Group', value: facts.name },
    {
      label: 'Launches as',
      value: `${facts.serviceLinkedRoleArn || 'unknown'}${facts.defaultRole ? ' (the default: the group names no ServiceLinkedRoleARN)' : ' (ServiceLinkedRoleARN)'}`,
    },
  ];
  if (facts.launchTemplate) {
    const t = facts.launchTemplate;
    const resolved = t.resolvedVersion !== undefined ? `, resolved to version ${t.resolvedVersion}` : '';
    evidence.push({
      label: 'Launch template',
      value: `${t.name ?? t.id ?? 'unnamed'} version ${t.version ?? '$Default'}${resolved}`,
    });
  }
  for (const o of facts.overrideTemplates)
    evidence.push({
      label: 'Override template',
      value: `${o.name ?? o.id ?? 'unnamed'} version ${o.version ?? '$Default'}`,
    });
  if (facts.launchConfigurationName)
    evidence.push({ label: 'Launch configuration', value: facts.launchConfigurationName });
  evidence.push({
    label: 'Capacity',
    value: `${facts.inServiceCount} in service of ${facts.desiredCapacity} desired${facts.hasWarmPool ? '; has a warm pool' : ''}`,
  });
  const failed = facts.latestFailedActivity;
  if (failed) {
    evidence.push({
      label: 'Latest failed activity',
      value:
        `${failed.startTime ?? ''} ${failed.statusCode}: ${failed.statusMessage ?? failed.description ?? ''}`.trim(),
    });
    if (failed.cause) evidence.push({ label: 'Cause', value: failed.cause });
    const kind = activityLaunchKind(failed);
    if (kind !== 'group') evidence.push({ label: 'Launched', value: WARM_POOL_EVIDENCE[kind] });
  }
  if (!stage.activities) {
    return step(
      'auto-scaling-group',
      'skip',
      `${facts.name} launches as ${facts.serviceLinkedRoleArn}; its activities cannot be read here.`,
      evidence,
    );
  }
  if (!stage.activities.ok) {
    evidence.push({ label: 'DescribeScalingActivities', value: failureText(stage.activities.error) });
    return step(
      'auto-scaling-group',
      'error',
      `Could not read the activities of ${facts.name}.`,
      evidence,
      say.permissionHint(stage.activities.error, 'autoscaling:DescribeScalingActivities'),
    );
  }
  if (failed)
    return step(
      'auto-scaling-group',
      'fail',
      `The latest launch of ${facts.name}${LAUNCH_KIND_PHRASE[activityLaunchKind(failed)]} failed (${failed.statusCode}).`,
      evidence,
    );
  return step('auto-scaling-group', 'pass', `No failed launch among the latest activities of ${facts.name}.`, evidence);
}

/** The template versions, AMIs and snapshots read, and the keys they lead to. */
export function launchStep(stage: LaunchStage): DiagnosisStep {
  const evidence: Evidence[] = [];
  for (const t of stage.templates) {
    const devices = t.info?.blockDevices
      .map((d) => `${d.deviceName ?? '?'}${d.kmsKeyId ? ` key ${d.kmsKeyId}` : d.encrypted ? ' encrypted' : ''}`)
      .join(', ');
    evidence.push({
      label: t.ref,
      value: t.info
        ? `AMI ${t.info.imageId ?? '(none)'}; block devices: ${devices || 'none (the AMI decides)'}`
        : 'not read',
    });
  }
  for (const image of stage.images)
    evidence.push({
      label: image.imageId,
      value: `owner ${image.ownerId ?? 'unknown'}; snapshots ${image.blockDevices.map((d) => d.snapshotId ?? '-').join(', ') || 'none'}`,
    });
  for (const s of stage.snapshots)
    evidence.push({
      label: s.snapshotId,
      value: s.encrypted
        ? `encrypted with ${s.kmsKeyId ?? 'an unnamed key'}, owner ${s.ownerId ?? 'unknown'}`
        : 'not encrypted',
    });
  if (stage.defaults.ok) {
    evidence.push({
      label: 'Encryption by default',
      value: stage.defaults.value.encryptionByDefault
        ? `on, key ${stage.defaults.value.defaultKmsKeyId ?? 'alias/aws/ebs'}`
        : 'off',
    });
  } else {
    evidence.push({ label: 'EBS defaults', value: failureText(stage.defaults.error) });
  }
  for (const f of stage.failures)
    evidence.push({ label: f.action, value: f.failure ? failureText(f.failure) : f.text });
  const summary =
    stage.keys.length === 0 ? 'The launch names no KMS key.' : `The launch uses ${stage.keys.length} KMS key(s).`;
  if (stage.failures.length > 0)
    return step(
      'launch-template',
      'error',
      `${summary} Some of what it launches could not be read.`,
      evidence,
      stage.failures.map((f) => f.text).join(' '),
    );
  return step('launch-template', 'pass', summary, evidence);
}
