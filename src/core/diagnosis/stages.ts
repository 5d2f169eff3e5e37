/**
 * What each stage of the diagnosis learned, as plain data: internal to the diagnosis (the
 * report contract is `types.ts`). The engine fills these from the ports; step builders and
 * the verdict read them. Each stage is a union of what can happen, so a reader never has to
 * guess which optional fields go together; failures are kept as data.
 */
import type { CreateGrantVerdict, MatchedStatement } from '../policy';
import type { AwsFailure, CallerIdentity, InstanceSummary, KeyInfo, Outcome, TrailEvent, VolumeInfo } from '../model';
import type { StateReasonClassification } from '../stateReason';
import type { ProfileMessages } from './messages';
import type { SimulationResult } from './ports';
import type { PrincipalInfo, StepId } from './types';
import type { TrailWindow } from './trail';
import type { LaunchKeyOrigin } from '../launch/launchKeys';

export interface DiagnosisInput {
  instanceId: string;
  /** The profile the ports act as; named in texts and command links. */
  profile: string;
  region: string;
  /**
   * Configured profiles by account id. Used to say whether a cross-account key's policy
   * can be read (GetKeyPolicy does not work across accounts) and with which profile.
   */
  profilesByAccount?: Record<string, string[]>;
  /**
   * How long the whole diagnosis may take, in ms (default 60 000). Checks still waiting then
   * end as timed out and the report says which; the diagnosis itself still returns.
   */
  deadlineMs?: number;
}

export type InstanceStage =
  | { outcome: 'read'; instance: InstanceSummary; classification: StateReasonClassification }
  | { outcome: 'failed'; failure: AwsFailure };

/** The account's EBS defaults: context only, never decisive. */
export interface EbsDefaults {
  defaultKmsKeyId?: string;
  encryptionByDefault: boolean;
}

export type VolumeStage =
  | {
      outcome: 'read';
      volumes: VolumeInfo[];
      /** Distinct key references of the encrypted volumes, as EC2 gives them. */
      keyRefs: string[];
      volumesByKeyRef: Map<string, string[]>;
      defaults: Outcome<EbsDefaults>;
    }
  | { outcome: 'failed'; failure: AwsFailure; defaults: Outcome<EbsDefaults> };

/** Where a key reference came from. */
export interface KeySource {
  /** The reference that led to the key (volume or CloudTrail). */
  ref: string;
  volumeIds: string[];
  /** Found only through a CloudTrail event or the launch's description, not an attached volume: an inference. */
  fromTrail: boolean;
  /** For a key not read from a volume: where it came from (src/core/launch/launchKeys.ts). */
  origin?: LaunchKeyOrigin;
  /** The launch's devices that take it, when it came from the launch template or AMI. */
  devices?: string[];
  /**
   * True when the launch creates the volumes (an instance terminated at launch, a group, a
   * template): the principal then needs the use of the key (GenerateDataKeyWithoutPlaintext,
   * Decrypt) besides EC2's grant, and the fixes carry both.
   */
  createsVolumes?: boolean;
}

/**
 * A key as the diagnosis knows it: `described` by DescribeKey; `derived` from its ARN when
 * DescribeKey failed otherwise (state `unknown`, so later checks can still run); `unreadable`
 * when DescribeKey failed and the reference is no ARN; `not-found` when KMS says it is gone.
 */
export type KeyRecord = KeySource &
  (
    | { outcome: 'described'; key: KeyInfo }
    | { outcome: 'derived'; key: KeyInfo; failure: AwsFailure }
    | { outcome: 'unreadable'; failure: AwsFailure }
    | { outcome: 'not-found'; failure: AwsFailure }
  );

/** A CloudTrail lookup: read, failed, or not made because earlier evidence made it needless. */
export type TrailLookup =
  { outcome: 'read'; events: TrailEvent[] } | { outcome: 'failed'; failure: AwsFailure } | { outcome: 'not-looked-up' };

export interface PrincipalStage {
  window: TrailWindow;
  caller: Outcome<CallerIdentity>;
  grantLookup: Exclude<TrailLookup, { outcome: 'not-looked-up' }>;
  /** `not-looked-up`: a failed grant already named the caller. */
  startLookup: TrailLookup;
  /** Failed CreateGrant events (any error) and denied launch KMS calls about this instance or its keys, newest first. */
  failedGrants: TrailEvent[];
  /** The AccessDenied ones among them, newest first. */
  denials: TrailEvent[];
  /** StartInstances events naming the instance, newest first. */
  starts: TrailEvent[];
  /** Undefined when neither CloudTrail nor the caller identity gave one. */
  principal: PrincipalInfo | undefined;
}

export type KeyPolicyResult =
  | {
      keyArn: string;
      outcome: 'evaluated';
      verdict: CreateGrantVerdict;
      reason: string;
      matched: MatchedStatement[];
      via: string;
    }
  | { keyArn: string; outcome: 'failed'; failure: AwsFailure; nextStep: string }
  | { keyArn: string; outcome: 'skipped'; reason: string };

export type IamStage =
  | { outcome: 'simulated'; policyArn: string; results: SimulationResult[] }
  | { outcome: 'failed'; failure: AwsFailure; nextStep: string }
  | { outcome: 'skipped'; reason: string; nextStep?: string; notPermitted: boolean };

/** A step that could not run (or ran partly), lowering the confidence of what depends on it. */
export interface Limitation {
  step: StepId;
  text: string;
}

/** The instance the verdict is about, for its sentences. */
export interface VerdictTarget {
  instanceId: string;
  region: string;
}

/** Everything the verdict weighs: each stage that ran, and the checks that could not. */
export interface VerdictStages {
  target: VerdictTarget;
  /** Words the sentences that name the diagnosing profile. */
  say: ProfileMessages;
  instance: InstanceStage;
  volumes?: VolumeStage;
  keys: KeyRecord[];
  principal?: PrincipalStage;
  keyPolicies: KeyPolicyResult[];
  iam?: IamStage;
  limitations: Limitation[];
}
