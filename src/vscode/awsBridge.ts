import type * as AwsModule from '../aws/bundle';
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

/** One AWS session for the whole extension, created on first use and reconfigured on change. */
export class AwsBridge {
  private module: typeof AwsModule | undefined;
  private session: AwsModule.AwsSession | undefined;

  constructor(
    private config: Config,
    private readonly mfaCodeProvider: (profile: string, mfaSerial: string) => Promise<string>,
  ) {}

  /** The loaded AWS layer (loads it on the first call). */
  get aws(): typeof AwsModule {
    this.module ??= loadAwsModule();
    return this.module;
  }

  /** The shared session; creating it reads nothing until a call needs the files. */
  get current(): AwsModule.AwsSession {
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
      instancesById: (profile, region, ids, signal) => aws.describeInstancesById(session, profile, region, ids, { signal }),
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
