/**
 * What each stage of the diagnosis learned, as plain data. The engine fills these from the
 * ports; step builders and the verdict read them. Failures are kept as data.
 */
import type { CreateGrantVerdict, MatchedStatement } from '../policy';
import type { AwsFailure, CallerIdentity, InstanceSummary, KeyInfo, TrailEvent, VolumeInfo } from '../model';
import type { StateReasonClassification } from '../stateReason';
import type { SimulationResult } from './ports';
import type { PrincipalInfo, StepId } from './types';
import type { TrailWindow } from './trail';

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
}

export interface InstanceStage {
  instance?: InstanceSummary;
  failure?: AwsFailure;
  classification?: StateReasonClassification;
}

export interface VolumeStage {
  volumes: VolumeInfo[];
  failure?: AwsFailure;
  /** Distinct key references of the encrypted volumes, as EC2 gives them. */
  keyRefs: string[];
  volumesByKeyRef: Map<string, string[]>;
  defaults?: { defaultKmsKeyId?: string; encryptionByDefault: boolean };
  defaultsFailure?: AwsFailure;
}

export interface KeyRecord {
  /** The reference that led to the key (volume or CloudTrail). */
  ref: string;
  volumeIds: string[];
  /** From DescribeKey; when that failed, derived from the ARN with state `unknown`. */
  key?: KeyInfo;
  described: boolean;
  failure?: AwsFailure;
  /** Found only through a CloudTrail event naming the instance (volumes unreadable). */
  fromTrail: boolean;
}

export interface PrincipalStage {
  window: TrailWindow;
  caller?: CallerIdentity;
  callerFailure?: AwsFailure;
  grantEvents?: TrailEvent[];
  grantFailure?: AwsFailure;
  /** Undefined when not looked up: a failed grant already named the caller. */
  startEvents?: TrailEvent[];
  startFailure?: AwsFailure;
  /** Failed CreateGrant events about this instance or its keys (any error), newest first. */
  failedGrants: TrailEvent[];
  /** The AccessDenied ones among them, newest first. */
  denials: TrailEvent[];
  /** StartInstances events naming the instance, newest first. */
  starts: TrailEvent[];
  principal?: PrincipalInfo;
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
