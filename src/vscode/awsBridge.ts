import type * as AwsModule from '../aws/bundle';
import type { StateChange } from '../aws';
import type { LaunchTemplateSummary } from '../aws/ec2';
import { parseKeyArn } from '../core/arn';
import type {
  CreateGrantArgs,
  DiagnoseOptions,
  DiagnosisReport,
  GroupDiagnosisReport,
  LaunchPrediction,
  LaunchSubject,
} from '../core/diagnosis';
import type {
  AutoScalingGroupSummary,
  AwsFailure,
  CallerIdentity,
  GrantCreated,
  InstanceSummary,
  Outcome,
  ProfileSummary,
} from '../core/model';
import type { Config } from './config';
import type { ExplorerBackend } from './explorer/instancesProvider';

/**
 * The AWS layer lives in its own bundle (dist/aws.js) so that activation never loads the AWS
 * SDK; the first AWS use requires it. `./aws` is external in the activation bundle and
 * resolves next to dist/extension.js at run time.
 */
function loadAwsModule(): typeof AwsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./aws') as typeof AwsModule;
}

/** An instance to diagnose, as the command names it. */
export interface DiagnosisTarget {
  profile: string;
  region: string;
  instanceId: string;
}

/** An Auto Scaling group to diagnose, as the command names it. */
export interface GroupDiagnosisTarget {
  profile: string;
  region: string;
  groupName: string;
}

/** What Check Launch Readiness predicts: a group, a launch template or a stopped instance, seen by a profile in a region. */
export interface ReadinessTarget {
  profile: string;
  region: string;
  subject: LaunchSubject;
}

/**
 * Exactly the AWS calls the editor's commands make, over the one shared session. Commands
 * get this instead of the AWS module and the session, so what they can do to AWS is listed
 * here and tests can hand them a fake.
 */
export interface AwsFacade {
  /** Profiles of the shared config and credentials files. Rejects when the files cannot be read. */
  profiles(): Promise<ProfileSummary[]>;
  regions(profile: string): Promise<Outcome<string[]>>;
  /** Who a profile signs in as (STS GetCallerIdentity, asked once per session). */
  callerIdentity(profile: string): Promise<Outcome<CallerIdentity>>;
  /** The instances of a region (paged DescribeInstances); `signal` stops the paging. */
  instances(profile: string, region: string, signal?: AbortSignal): Promise<Outcome<InstanceSummary[]>>;
  instancesById(profile: string, region: string, ids: string[]): Promise<Outcome<InstanceSummary[]>>;
  /** StartInstances or StopInstances. Callers confirm with the person first. */
  changeInstanceState(
    profile: string,
    region: string,
    instanceId: string,
    change: 'start' | 'stop',
  ): Promise<Outcome<StateChange>>;
  /** RebootInstances. Callers confirm with the person first. */
  rebootInstance(profile: string, region: string, instanceId: string): Promise<Outcome<void>>;
  /** EnableKey or CancelKeyDeletion in the key's own region. Callers confirm first. */
  changeKeyState(
    profile: string,
    keyArn: string,
    action: 'enable-key' | 'cancel-key-deletion',
  ): Promise<Outcome<unknown>>;
  /**
   * GetKeyPolicy of a key, through `profile` or, for a key of another account, a configured
   * profile of that account; `via` names the profile that read it.
   */
  readKeyPolicy(profile: string, keyArn: string): Promise<Outcome<{ policy: string; via: string }>>;
  /** PutKeyPolicy through exactly `profile`, with the lockout safety check on. Callers confirm first. */
  putKeyPolicy(profile: string, keyArn: string, policy: string): Promise<Outcome<void>>;
  /** KMS CreateGrant through exactly `args.profile`, in the key's region. Callers confirm first. */
  createGrant(args: CreateGrantArgs): Promise<Outcome<GrantCreated>>;
  /** Predicts whether starting the stopped instance as `target.profile` gets its keys (reads only). */
  predictStart(target: DiagnosisTarget): Promise<LaunchPrediction>;
  /**
   * Predicts whether the target launches (reads only: key states, key policies, IAM
   * simulation; no CloudTrail). For a group the launching principal is its role, otherwise
   * the profile's identity.
   */
  predictLaunch(target: ReadinessTarget, options: Pick<DiagnoseOptions, 'signal'>): Promise<LaunchPrediction>;
  /** The launch templates of a region (paged DescribeLaunchTemplates), for the palette's pick; `signal` stops the paging. */
  launchTemplates(profile: string, region: string, signal?: AbortSignal): Promise<Outcome<LaunchTemplateSummary[]>>;
  /** Runs the diagnosis engine over the AWS ports of the target's profile and region. */
  diagnose(target: DiagnosisTarget, options: Pick<DiagnoseOptions, 'signal' | 'onStep'>): Promise<DiagnosisReport>;
  /** The Auto Scaling groups of a region (paged DescribeAutoScalingGroups), for the palette's pick. */
  autoScalingGroups(profile: string, region: string, signal?: AbortSignal): Promise<Outcome<AutoScalingGroupSummary[]>>;
  /** Runs the group diagnosis engine over the AWS ports of the target's profile and region. */
  diagnoseGroup(
    target: GroupDiagnosisTarget,
    options: Pick<DiagnoseOptions, 'signal' | 'onStep'>,
  ): Promise<GroupDiagnosisReport>;
  /** The report as Markdown, with the command links (for the webview) and without (to copy). */
  renderReport(report: DiagnosisReport | GroupDiagnosisReport): { linked: string; plain: string };
  /** True for the error a cancelled diagnosis rejects with. */
  isAbortError(error: unknown): boolean;
  /** Drops clients and caches, e.g. after signing in again. */
  invalidate(): void;
}

/** The name grants made from a report carry, so that people later see why they exist. */
const GRANT_NAME = 'ec2-launch-doctor-fix';

/** A prediction before Start is a few reads; past this the start is asked about without it. */
const START_PREDICTION_MS = 15_000;

/** A failure for a key ARN the KMS calls cannot be pointed at. */
function notAKeyArn(keyArn: string): { ok: false; error: AwsFailure } {
  return {
    ok: false,
    error: {
      kind: 'not-found',
      message: `Not a KMS key ARN: ${keyArn}`,
      nextStep: 'Run the diagnosis again and use its links.',
    },
  };
}

/** One AWS session for the whole extension, created on first use and reconfigured on change. */
export class AwsBridge {
  private module: typeof AwsModule | undefined;
  private session: AwsModule.AwsSession | undefined;
  private facade: AwsFacade | undefined;

  constructor(
    private config: Config,
    private readonly mfaCodeProvider: (profile: string, mfaSerial: string) => Promise<string>,
  ) {}

  /** The loaded AWS layer (loads it on the first call). */
  private get aws(): typeof AwsModule {
    this.module ??= loadAwsModule();
    return this.module;
  }

  /** The shared session; creating it reads nothing until a call needs the files. */
  private get current(): AwsModule.AwsSession {
    this.session ??= new this.aws.AwsSession(this.sessionOptions());
    return this.session;
  }

  /** Applies changed settings; clients are dropped when their settings changed. */
  configure(config: Config): void {
    this.config = config;
    this.session?.configure(this.sessionOptions());
  }

  /** Drops clients and caches after the AWS config files changed on disk. */
  invalidate(): void {
    this.session?.invalidate();
  }

  dispose(): void {
    this.session?.dispose();
  }

  /** The tree's view of AWS. */
  explorerBackend(): ExplorerBackend {
    const session = this.current;
    const aws = this.aws;
    return {
      profiles: () => session.profiles(),
      callerIdentity: (profile, region, signal) => session.callerIdentity(profile, region, signal),
      regions: (profile, signal) => aws.listRegions(session, profile, { signal }),
      instances: (profile, region, signal) => aws.listInstances(session, profile, region, { signal }),
      instancesById: (profile, region, ids, signal) =>
        aws.describeInstancesById(session, profile, region, ids, { signal }),
      autoScalingGroups: async (profile, region, signal) => {
        const groups = await aws.listAutoScalingGroups(session, profile, region, { signal });
        if (!groups.ok) return groups;
        const short = aws.groupsNeedingActivities(groups.value).map((g) => g.name);
        if (short.length === 0) return { ok: true, value: { groups: groups.value, activities: [] } };
        const activities = await aws.describeScalingActivities(
          session,
          profile,
          region,
          { groupNames: short },
          { signal },
        );
        return activities.ok ? { ok: true, value: { groups: groups.value, activities: activities.value } } : activities;
      },
    };
  }

  /**
   * The commands' view of AWS, built once. Nothing loads until a method is called: the AWS
   * bundle is required on the first call, so building it at activation costs nothing.
   */
  commandsBackend(): AwsFacade {
    this.facade ??= this.createFacade();
    return this.facade;
  }

  private createFacade(): AwsFacade {
    // `this.current` is read on every call: a session is created lazily and survives
    // configure() and invalidate(), but reading it late keeps activation free of AWS code.
    return {
      profiles: () => this.current.profiles(),
      regions: (profile) => this.aws.listRegions(this.current, profile),
      callerIdentity: async (profile) => {
        const region = (await this.current.profile(profile).catch(() => undefined))?.region ?? this.aws.DEFAULT_REGION;
        return this.current.callerIdentity(profile, region);
      },
      instances: (profile, region, signal) => this.aws.listInstances(this.current, profile, region, { signal }),
      instancesById: (profile, region, ids) => this.aws.describeInstancesById(this.current, profile, region, ids),
      changeInstanceState: (profile, region, instanceId, change) =>
        (change === 'start' ? this.aws.startInstance : this.aws.stopInstance)(
          this.current,
          profile,
          region,
          instanceId,
        ),
      rebootInstance: (profile, region, instanceId) =>
        this.aws.rebootInstance(this.current, profile, region, instanceId),
      changeKeyState: async (profile, keyArn, action) => {
        const key = parseKeyArn(keyArn);
        if (!key) return notAKeyArn(keyArn);
        const call = action === 'enable-key' ? this.aws.enableKey : this.aws.cancelKeyDeletion;
        return call(this.current, profile, key.region, keyArn);
      },
      readKeyPolicy: async (profile, keyArn) => {
        const key = parseKeyArn(keyArn);
        if (!key) return notAKeyArn(keyArn);
        const ports = this.aws.createDiagnosisPorts(this.current, profile, key.region);
        return ports.getKeyPolicy({ keyId: key.keyId, arn: keyArn, accountId: key.account });
      },
      putKeyPolicy: async (profile, keyArn, policy) => {
        const key = parseKeyArn(keyArn);
        if (!key) return notAKeyArn(keyArn);
        return this.aws.putKeyPolicy(this.current, profile, key.region, keyArn, policy);
      },
      createGrant: async (args) => {
        const key = parseKeyArn(args.keyArn);
        if (!key) return notAKeyArn(args.keyArn);
        const request = {
          keyArn: args.keyArn,
          granteePrincipal: args.granteePrincipal,
          operations: args.operations,
          name: GRANT_NAME,
        };
        return this.aws.createGrant(this.current, args.profile, key.region, request);
      },
      predictStart: async (target) => {
        const session = this.current;
        const ports = this.aws.createDiagnosisPorts(session, target.profile, target.region);
        const profilesByAccount = await session.profilesByAccount();
        const subject = { kind: 'stopped-instance' as const, instanceId: target.instanceId };
        return this.aws.predictLaunch(
          {
            subject,
            profile: target.profile,
            region: target.region,
            profilesByAccount,
            deadlineMs: START_PREDICTION_MS,
          },
          ports,
        );
      },
      predictLaunch: async (target, options) => {
        const session = this.current;
        const ports = this.aws.createDiagnosisPorts(session, target.profile, target.region);
        const profilesByAccount = await session.profilesByAccount();
        return this.aws.predictLaunch(
          { subject: target.subject, profile: target.profile, region: target.region, profilesByAccount },
          ports,
          options,
        );
      },
      launchTemplates: (profile, region, signal) =>
        this.aws.describeLaunchTemplates(this.current, profile, region, { signal }),
      diagnose: async (target, options) => {
        const session = this.current;
        const ports = this.aws.createDiagnosisPorts(session, target.profile, target.region);
        const profilesByAccount = await session.profilesByAccount();
        return this.aws.diagnoseInstance({ ...target, profilesByAccount }, ports, options);
      },
      autoScalingGroups: (profile, region, signal) =>
        this.aws.listAutoScalingGroups(this.current, profile, region, { signal }),
      diagnoseGroup: async (target, options) => {
        const session = this.current;
        const ports = this.aws.createDiagnosisPorts(session, target.profile, target.region);
        const profilesByAccount = await session.profilesByAccount();
        return this.aws.diagnoseAutoScalingGroup({ ...target, profilesByAccount }, ports, options);
      },
      renderReport: (report) => ({
        linked: this.aws.renderMarkdown(report, { commandLinks: true }),
        plain: this.aws.renderMarkdown(report, { commandLinks: false }),
      }),
      isAbortError: (error) => this.aws.isAbortError(error),
      invalidate: () => this.invalidate(),
    };
  }

  private sessionOptions(): AwsModule.AwsSessionOptions {
    return {
      configFile: this.config.sharedConfigFile || undefined,
      credentialsFile: this.config.sharedCredentialsFile || undefined,
      maxConcurrentRequests: this.config.maxConcurrentRequests,
      regions: this.config.regions.length > 0 ? this.config.regions : undefined,
      mfaCodeProvider: this.mfaCodeProvider,
    };
  }
}
