/**
 * The diagnosis report: plain data that the VS Code view, the CLI and tests all read.
 * Codes are stable (tests, JSON output and quick fixes match on them); texts are for people.
 */
import type {
  AwsErrorKind,
  InstanceStateName,
  KeyInfo,
  LaunchTemplateRef,
  ScalingActivity,
  StateReason,
} from '../model';
import type { StateReasonKind } from '../stateReason';
import type { Launcher } from '../launch/launchers';
import type { CreateGrantArgs } from './commandArgs';

/** Stable verdict codes. `scheduled-stop` and `spot-interruption` name stops that are neither launch failures nor user stops. */
export type VerdictCode =
  | 'kms-create-grant-not-allowed'
  | 'kms-create-grant-explicit-deny'
  | 'kms-key-disabled'
  | 'kms-key-pending-deletion'
  | 'kms-key-pending-import'
  | 'kms-key-unavailable'
  | 'kms-key-not-found'
  | 'kms-grant-limit-exceeded'
  | 'volume-limit-exceeded'
  | 'snapshot-not-found'
  | 'insufficient-capacity'
  | 'user-initiated-stop'
  | 'instance-initiated-shutdown'
  | 'scheduled-stop'
  | 'spot-interruption'
  | 'not-stopped'
  | 'unknown';

export type Confidence = 'high' | 'medium' | 'low';

export type StepId =
  | 'instance-state'
  | 'volumes'
  | 'kms-keys'
  | 'principal'
  | 'key-policy'
  | 'iam-policy'
  | 'auto-scaling-group'
  | 'launch-template';

export type StepStatus = 'pass' | 'fail' | 'skip' | 'error';

export interface Evidence {
  label: string;
  value: string;
}

/** One ordered check. `fail`: it found the problem; `error`: it could not run; `skip`: not needed or not possible. */
export interface DiagnosisStep {
  id: StepId;
  title: string;
  status: StepStatus;
  summary: string;
  evidence: Evidence[];
  nextStep?: string;
  /** For an `error` step that failed on an AWS call: the kind of failure (e.g. expired-credentials). */
  failureKind?: AwsErrorKind;
}

/** What the progress UI hears: a step starting, then the same step finished. */
export type StepEvent =
  | { phase: 'started'; id: StepId; title: string }
  | { phase: 'finished'; id: StepId; title: string; step: DiagnosisStep };

/** A statement to add to a key policy (resource policy: it carries a Principal). */
export interface KeyPolicyFix {
  target: 'key-policy';
  keyArn: string;
  /** The principal the statement names. */
  principalArn: string;
  statement: Record<string, unknown>;
  /** `alternative`: one of several ways; `required`: needed whatever else is done. */
  role: 'required' | 'alternative';
  /** Caveats, e.g. a role path that could not be confirmed. */
  note?: string;
}

/** A statement to add to an IAM policy of the principal (user or role). */
export interface IdentityPolicyFix {
  target: 'identity-policy';
  principalArn: string;
  keyArn: string;
  statement: Record<string, unknown>;
  role: 'required' | 'alternative';
  note?: string;
}

/** A key state change (the UI asks before calling the matching KMS API). */
export interface KeyStateFix {
  target: 'key-state';
  keyArn: string;
  action: 'enable-key' | 'cancel-key-deletion' | 'import-key-material' | 'connect-custom-key-store' | 'wait';
  role: 'required';
  note?: string;
}

/**
 * A KMS grant to create from the launching account, for a key of another account used by a
 * service-linked role (EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use
 * with encrypted volumes", cross-account). `command` is the AWS CLI call as an argument list;
 * `args` is what the editor's create-grant command takes (it asks before calling KMS).
 */
export interface GrantFix {
  target: 'grant';
  keyArn: string;
  /** The grantee: the service-linked role. */
  principalArn: string;
  operations: string[];
  /** The account to create the grant from (the launching account, not the key's). */
  account: string;
  command: string[];
  args: CreateGrantArgs;
  role: 'required' | 'alternative';
  note?: string;
}

export type Fix = KeyPolicyFix | IdentityPolicyFix | KeyStateFix | GrantFix;

export interface Verdict {
  code: VerdictCode;
  confidence: Confidence;
  title: string;
  summary: string;
  nextStep: string;
  /** The key the verdict is about, when there is one. */
  keyArn?: string;
  /** The principal whose permission is missing, when known. */
  principalArn?: string;
  /** Checks that could not run and the permission that would let them run; each lowered the confidence. */
  caveats: string[];
}

export interface TimelineEntry {
  /** ISO 8601. */
  time: string;
  label: string;
  detail?: string;
}

/** AWS calls the diagnosis made. `rounds`: the longest chain of calls each started after the previous one finished. */
export interface CallStats {
  /** Port calls: one per check (a check may take several requests). */
  count: number;
  rounds: number;
  elapsedMs: number;
  byAction: Record<string, number>;
  /** AWS API requests actually sent (pages included), when the ports count them. */
  apiRequests?: number;
}

/** Where the principal under test came from, strongest first. */
export type PrincipalSource =
  | 'cloudtrail-create-grant'
  | 'cloudtrail-kms-denial'
  | 'cloudtrail-start-instances'
  | 'auto-scaling-group'
  | 'caller-identity';

export interface PrincipalInfo {
  /** As AWS reported it (a session ARN for roles). */
  arn: string;
  source: PrincipalSource;
  account?: string;
  /** The IAM user or role to simulate and to name in a key policy. */
  policyArn?: string;
  /** False when a role's path could not be confirmed from the session ARN. */
  policyArnCertain: boolean;
  kind: 'user' | 'role' | 'assumed-role' | 'root' | 'federated-user' | 'other';
  /** The service or tool that launched for you, when the role is one a launcher is known by. */
  launcher?: Launcher;
  /** True for an AWS service-linked role: its IAM policies cannot be edited, so no fix goes there. */
  serviceLinked?: boolean;
}

export interface DiagnosisReport {
  schemaVersion: 1;
  instanceId: string;
  profile: string;
  region: string;
  /** ISO 8601. */
  generatedAt: string;
  instance?: {
    name?: string;
    state: InstanceStateName;
    stateReason?: StateReason;
    stateReasonKind: StateReasonKind;
    launchTime?: string;
  };
  verdict: Verdict;
  steps: DiagnosisStep[];
  /** Fixes in order: `fixes[0]` is the one to apply first. */
  fixes: Fix[];
  timeline: TimelineEntry[];
  keys: KeyInfo[];
  principal?: PrincipalInfo;
  calls: CallStats;
}

/** The title people see for each step. */
export const STEP_TITLES: Record<StepId, string> = {
  'instance-state': 'Instance state and state reason',
  volumes: 'Encrypted volumes',
  'kms-keys': 'KMS keys',
  principal: 'Who started the instance',
  'key-policy': 'Key policy',
  'iam-policy': 'IAM permissions',
  'auto-scaling-group': 'Auto Scaling group, its role and its latest launch',
  'launch-template': 'What the group launches: template, AMI and snapshots',
};

/** The order of the steps in every report. */
export const STEP_ORDER: readonly StepId[] = [
  'instance-state',
  'volumes',
  'kms-keys',
  'principal',
  'key-policy',
  'iam-policy',
];

/** The order of the steps of a group's report. */
export const GROUP_STEP_ORDER: readonly StepId[] = [
  'auto-scaling-group',
  'launch-template',
  'kms-keys',
  'key-policy',
  'iam-policy',
];

/** What a report is about: the JSON's `subject`. */
export type DiagnosisSubject = 'instance' | 'auto-scaling-group';

/** The group as the diagnosis read it. */
export interface GroupFacts {
  name: string;
  /** The role the group launches as: its `ServiceLinkedRoleARN`, or the default. */
  serviceLinkedRoleArn: string;
  /** True when the group names no role and launches as AWSServiceRoleForAutoScaling. */
  defaultRole: boolean;
  launchTemplate?: LaunchTemplateRef & { resolvedVersion?: number };
  launchConfigurationName?: string;
  /** The other templates of a mixed instances policy's overrides. */
  overrideTemplates: LaunchTemplateRef[];
  desiredCapacity: number;
  inServiceCount: number;
  hasWarmPool: boolean;
  latestFailedActivity?: ScalingActivity;
}

/** The diagnosis of an Auto Scaling group: the same verdict, steps, fixes, keys and principal as for an instance. */
export interface GroupDiagnosisReport {
  schemaVersion: 1;
  subject: 'auto-scaling-group';
  groupName: string;
  profile: string;
  region: string;
  /** ISO 8601. */
  generatedAt: string;
  group?: GroupFacts;
  verdict: Verdict;
  steps: DiagnosisStep[];
  fixes: Fix[];
  timeline: TimelineEntry[];
  keys: KeyInfo[];
  principal?: PrincipalInfo;
  calls: CallStats;
}
