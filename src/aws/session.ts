import { AsyncLocalStorage } from 'node:async_hooks';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromSSO } from '@aws-sdk/credential-providers';
import { createLimiter, createRateGate, type Limiter, type RateGate } from '../core/limiter';
import type { CallerIdentity, Outcome, ProfileSummary } from '../core/model';
import { resolveEndpoint, type ServiceId } from './endpoints';
import { withDeadline } from './deadline';
import { classifyAwsError, redactSecrets } from './errors';
import { Memo } from './memo';
import { iamRegionFor } from './partitions';
import { listProfiles, loaderInit, type SharedFileOptions } from './profiles';
import { getCallerIdentity } from './sts';

/** Settings of a session; the extension fills them from its configuration. */
export interface AwsSessionOptions extends SharedFileOptions {
  /** Calls in flight at once across every profile and region. Default 8. */
  maxConcurrentRequests?: number;
  /** Attempts per call including the first, with the SDK's adaptive retry mode. Default 5. */
  maxAttempts?: number;
  /**
   * Milliseconds one attempt may wait for the response to begin; then it fails (and may be
   * retried). Default 20000, and never more than callTimeoutMs.
   */
  requestTimeoutMs?: number;
  /** Milliseconds to establish a connection. Default 5000. */
  connectionTimeoutMs?: number;
  /** Milliseconds a connection may stay silent, before or during the response. Default: requestTimeoutMs. */
  socketTimeoutMs?: number;
  /**
   * Milliseconds one call may take once it has its slot of the concurrency limit: sign-in,
   * every attempt and the whole response. Then it ends as a `timeout` failure and frees its
   * slot. Waiting for a slot does not count. Default 60000.
   */
  callTimeoutMs?: number;
  /** A fixed region list that replaces DescribeRegions (the `ec2LaunchDoctor.regions` setting). */
  regions?: string[];
  /** Asked when a profile's role needs an MFA code; the VS Code layer shows an input box. */
  mfaCodeProvider?: (profile: string, mfaSerial: string) => Promise<string>;
}

/** The SDK client class for each service. */
export interface ClientFor {
  EC2: EC2Client;
  KMS: KMSClient;
  STS: STSClient;
  IAM: IAMClient;
  CloudTrail: CloudTrailClient;
  'Auto Scaling': AutoScalingClient;
}

/** Cancellation for one call, listing or action, and an optional count of its API requests. */
export interface SignalOption {
  signal?: AbortSignal;
  /** Told once per API request sent (every page counts). */
  onRequest?: () => void;
}

/** Per call: cancellation and the `service:Action` that names the call in failures. */
export interface CallSettings extends SignalOption {
  action?: string;
}

/**
 * An SDK command of any service whose answer is `Output`: the part of the SDK's `Command`
 * that `send` needs, so one `send` takes every service's commands with their own types.
 */
export interface SdkCommand<Output> {
  readonly input: object;
  resolveMiddleware(stack: any, configuration: any, options: any): (args: any) => Promise<{ output: Output }>;
}

/** A client as `send` uses it: every SDK client fits. */
interface CommandSender {
  send<Output>(command: SdkCommand<Output>, options: { abortSignal?: AbortSignal }): Promise<Output>;
}

/**
 * What the AWS functions (listing, KMS, CloudTrail, the diagnosis ports) need of a session.
 * They take this rather than the class, so tests hand them fakes the compiler checks.
 */
export type SessionPort = Pick<
  AwsSession,
  | 'send'
  | 'profile'
  | 'profiles'
  | 'knownAccountId'
  | 'callerIdentity'
  | 'hasLiveCredentials'
  | 'rateGate'
  | 'fixedRegions'
>;

/** Credentials this close to expiry are refreshed before use. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** The one key of the profile list's memo. */
const ALL_PROFILES = 'all';

type AnyClient = ClientFor[ServiceId];
type AwsCredentialIdentityProvider = ReturnType<typeof fromIni>;
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

/**
 * Who counts the API requests of the call running now. Clients are shared by every caller,
 * so the counting middleware of a client asks this store whom to tell.
 */
const requestCounter = new AsyncLocalStorage<() => void>();
const noCounter = (): void => undefined;

/**
 * Everything that talks to AWS for one configuration of the extension: clients created on
 * first use per (profile, region, service) and reused, one credential provider per profile
 * (so SSO and MFA happen once per profile, not once per region), one concurrency limit for
 * all calls, and caches of account ids. `invalidate()` drops it all when the config files or
 * settings change; `dispose()` when the extension stops.
 */
export class AwsSession {
  private options: AwsSessionOptions;
  private readonly limiter: Limiter;
  private readonly profileList = new Memo<typeof ALL_PROFILES, ProfileSummary[]>();
  private readonly clients = new Memo<string, AnyClient>();
  /** GetCallerIdentity per profile; failures are not kept. */
  private readonly identities = new Memo<string, Outcome<CallerIdentity>>((outcome) => outcome.ok);
  /** The SDK credential provider per profile (fromIni or fromSSO). */
  private readonly providers = new Memo<string, AwsCredentialIdentityProvider>();
  /** The credentials each profile signed in with, to reuse and to tell whether signing in again would prompt. */
  private readonly signIns = new Memo<string, AwsCredentialIdentity>();
  private readonly gates = new Map<string, RateGate>();
  /** Set after invalidate(): the next file read bypasses the SDK's file cache. */
  private reloadFiles = false;
  private disposed = false;

  constructor(options: AwsSessionOptions = {}) {
    this.options = { ...options };
    this.limiter = createLimiter(options.maxConcurrentRequests ?? 8);
  }

  /** The current settings (a copy). */
  get settings(): Readonly<AwsSessionOptions> {
    return { ...this.options };
  }

  /**
   * Applies new settings. A different file, timeout or retry setting invalidates every
   * client; the concurrency limit and region list apply at once without that.
   */
  configure(options: AwsSessionOptions): void {
    const before = this.options;
    this.options = { ...options };
    this.limiter.setLimit(options.maxConcurrentRequests ?? 8);
    const clientAffecting: (keyof AwsSessionOptions)[] = [
      'configFile',
      'credentialsFile',
      'maxAttempts',
      'requestTimeoutMs',
      'connectionTimeoutMs',
      'socketTimeoutMs',
      'callTimeoutMs',
      'mfaCodeProvider',
    ];
    if (clientAffecting.some((key) => before[key] !== options[key])) this.invalidate();
  }

  /** Drops clients, credentials and caches; the next call re-reads the config files. */
  invalidate(): void {
    this.clients.clear(
      (client) =>
        void client.then(
          (c) => c.destroy(),
          () => undefined,
        ),
    );
    this.providers.clear();
    this.signIns.clear();
    this.identities.clear();
    this.profileList.clear();
    this.reloadFiles = true;
  }

  /** Releases every client; the session must not be used afterwards. */
  dispose(): void {
    this.invalidate();
    this.disposed = true;
  }

  /** Profiles of the configured files, read once until invalidate(). A failure's text is redacted. */
  profiles(): Promise<ProfileSummary[]> {
    return this.profileList.get(ALL_PROFILES, () =>
      listProfiles({ ...this.files(), ignoreCache: this.takeReload() }).catch((error: unknown) => {
        throw redactedError(error);
      }),
    );
  }

  /** The summary of one profile, if it exists. */
  async profile(name: string): Promise<ProfileSummary | undefined> {
    return (await this.profiles()).find((p) => p.name === name);
  }

  /**
   * Sends one SDK command with the client for (service, profile, region) under the shared
   * limit; `action` (`service:Action`) names the call in failures. Never rejects: any
   * failure is a classified AwsFailure.
   */
  send<S extends ServiceId, Output>(
    service: S,
    profile: string,
    region: string,
    command: SdkCommand<Output>,
    action: string,
    options: SignalOption = {},
  ): Promise<Outcome<Output>> {
    return this.call(
      service,
      profile,
      region,
      (client: CommandSender, abortSignal) => client.send(command, { abortSignal }),
      { signal: options.signal, onRequest: options.onRequest, action },
    );
  }

  /**
   * Runs `task` with the client for (service, profile, region) under the shared limit and
   * turns any failure into a classified AwsFailure. Never rejects, and always ends: `task`
   * gets a signal that aborts at the caller's signal or at the call's deadline
   * (`callTimeoutMs`), and the call ends then whatever `task` does. `send` covers the usual
   * one-command task.
   */
  async call<S extends ServiceId, T>(
    service: S,
    profile: string,
    region: string,
    task: (client: ClientFor[S], abortSignal: AbortSignal | undefined) => Promise<T>,
    settings: CallSettings = {},
  ): Promise<Outcome<T>> {
    try {
      this.assertUsable();
      const client = await this.client(service, profile, region);
      // The counter is set inside the slot: a queued task starts from whichever call freed
      // the slot, and must not count its requests to that call.
      const counter = settings.onRequest ?? noCounter;
      const timeoutMs = this.callTimeoutMs();
      const value = await this.limiter.run(
        () =>
          withDeadline(timeoutMs, settings.signal, (signal) => requestCounter.run(counter, () => task(client, signal))),
        settings.signal,
      );
      return { ok: true, value };
    } catch (error) {
      const summary = await this.profile(profile).catch(() => undefined);
      const context = {
        profile,
        region,
        action: settings.action,
        signIn: summary?.signIn,
        secrets: this.heldSecrets(),
      };
      return { ok: false, error: classifyAwsError(error, context) };
    }
  }

  /**
   * The client for (service, profile, region), created on first use. IAM is one global
   * service per partition: its client is the one of the partition's IAM region.
   */
  client<S extends ServiceId>(service: S, profile: string, region: string): Promise<ClientFor[S]> {
    this.assertUsable();
    const effectiveRegion = service === 'IAM' ? iamRegionFor(region) : region;
    const key = `${service}\u0000${profile}\u0000${effectiveRegion}`;
    return this.clients.get(key, () => this.createClient(service, profile, effectiveRegion)) as Promise<ClientFor[S]>;
  }

  /**
   * The caller identity of a profile, asked once (STS GetCallerIdentity) and cached until
   * invalidate(). Failures are not cached, so a fixed sign-in works on the next try.
   *
   * Concurrent callers share one request, sent without any caller's signal: each caller's
   * `signal` cancels only that caller's wait, so one cancelled diagnosis never cancels the
   * others. `onRequest` is told when this caller's ask sent the request (not when it was
   * answered from the cache or joined one in flight).
   */
  callerIdentity(
    profile: string,
    region: string,
    signal?: AbortSignal,
    onRequest?: () => void,
  ): Promise<Outcome<CallerIdentity>> {
    const action = 'sts:GetCallerIdentity';
    if (signal?.aborted) return Promise.resolve(cancelledOutcome(profile, region, action));
    const shared = this.identities.get(profile, () => getCallerIdentity(this, profile, region, { onRequest }));
    return raceSignal(shared, signal, () => cancelledOutcome(profile, region, action));
  }

  /**
   * Account id -> names of the profiles known to be in it, from the config files and from
   * identities already answered. Never calls AWS and never waits for a call in flight.
   */
  async profilesByAccount(): Promise<Record<string, string[]>> {
    const byAccount: Record<string, string[]> = {};
    for (const profile of await this.profiles().catch(() => [])) {
      const account = profile.accountId ?? this.answeredIdentity(profile.name)?.account;
      if (account) (byAccount[account] ??= []).push(profile.name);
    }
    return byAccount;
  }

  /**
   * True while the session holds unexpired credentials of the profile, so signing in with
   * it again asks for nothing and runs nothing.
   */
  hasLiveCredentials(profile: string): boolean {
    const identity = this.signIns.settled(profile);
    return !!identity && !expiresSoon(identity);
  }

  /** The account of a profile when already known, without calling AWS. */
  async knownAccountId(profile: string): Promise<string | undefined> {
    const fromConfig = (await this.profile(profile))?.accountId;
    if (fromConfig) return fromConfig;
    const cached = this.identities.peek(profile);
    if (!cached) return undefined;
    const outcome = await cached;
    return outcome.ok ? outcome.value.account : undefined;
  }

  /** A rate gate per key (e.g. CloudTrail per account and region), kept for the session. */
  rateGate(key: string, perSecond: number): RateGate {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = createRateGate(perSecond);
      this.gates.set(key, gate);
    }
    return gate;
  }

  /** The region list fixed by settings, if any. */
  fixedRegions(): string[] | undefined {
    return this.options.regions && this.options.regions.length > 0 ? [...this.options.regions] : undefined;
  }

  private callTimeoutMs(): number {
    return this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  /** Every credential value the session signs with, to keep out of failure messages. */
  private heldSecrets(): string[] {
    return this.signIns
      .settledValues()
      .flatMap((identity) => [identity.accessKeyId, identity.secretAccessKey, identity.sessionToken ?? '']);
  }

  private answeredIdentity(profile: string): CallerIdentity | undefined {
    const outcome = this.identities.settled(profile);
    return outcome?.ok ? outcome.value : undefined;
  }

  private files(): SharedFileOptions {
    return { configFile: this.options.configFile, credentialsFile: this.options.credentialsFile };
  }

  private takeReload(): boolean {
    const reload = this.reloadFiles;
    this.reloadFiles = false;
    return reload;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('The AWS session was disposed.');
  }

  private async createClient(service: ServiceId, profile: string, region: string): Promise<AnyClient> {
    const endpoint = await resolveEndpoint(profile, service, { ...this.files(), ignoreCache: this.takeReload() });
    const config: ClientConfig = {
      region,
      credentials: this.credentialsFor(profile),
      // The endpoint was resolved above for this very profile; without this flag the SDK
      // would add the endpoint of the AWS_PROFILE profile to clients of other profiles.
      ignoreConfiguredEndpointUrls: true,
      ...(endpoint ? { endpoint } : {}),
      retryMode: 'adaptive',
      maxAttempts: this.options.maxAttempts ?? 5,
      requestHandler: this.handlerTimeouts(),
    };
    return countingRequests(newClient(service, config));
  }

  /**
   * Per-attempt timeouts of every HTTP request, sign-in requests included. Without
   * `throwOnRequestTimeout` the handler only logs a warning when `requestTimeout` passes;
   * the socket timeout ends a connection that goes silent after the response began.
   */
  private handlerTimeouts(): HandlerTimeouts {
    // An attempt never outlasts the call it belongs to.
    const requestTimeout = Math.min(this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, this.callTimeoutMs());
    return {
      requestTimeout,
      throwOnRequestTimeout: true,
      connectionTimeout: this.options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      socketTimeout: this.options.socketTimeoutMs ?? requestTimeout,
    };
  }

  /**
   * The credentials of a profile for its clients: one sign-in shared by all of them, reused
   * until it nears expiry. A failed sign-in is not kept, so after `aws sso login` the next
   * call signs in without a reload.
   */
  private credentialsFor(profile: string): AwsCredentialIdentityProvider {
    return async () => {
      const held = this.signIns.settled(profile);
      if (held && !expiresSoon(held)) return held;
      if (held) this.signIns.delete(profile);
      return this.signIns.get(profile, async () => {
        const provider = await this.providers.get(profile, () => this.baseProvider(profile));
        return provider();
      });
    };
  }

  /**
   * The SDK provider for a profile. SSO profiles go to `fromSSO` directly because `fromIni`
   * does not hand the configured file paths on to its SSO step, which would then read the
   * default files and miss profiles of a config chosen in the settings.
   */
  private async baseProvider(profile: string): Promise<AwsCredentialIdentityProvider> {
    const files = { ...loaderInit(this.files()), ignoreCache: true };
    const signIn = (await this.profile(profile).catch(() => undefined))?.signIn;
    const requestHandler = this.handlerTimeouts();
    if (signIn === 'sso' || signIn === 'sso-legacy')
      return fromSSO({ profile, ...files, clientConfig: { requestHandler } });
    const mfa = this.options.mfaCodeProvider;
    // Role profiles call STS to assume the role; that call must go where the profile's
    // endpoint_url says too, not to the endpoint of whichever profile AWS_PROFILE names.
    const stsEndpoint =
      signIn === 'assume-role' || signIn === 'web-identity'
        ? await resolveEndpoint(profile, 'STS', this.files()).catch(() => undefined)
        : undefined;
    return fromIni({
      profile,
      ...files,
      clientConfig: {
        ignoreConfiguredEndpointUrls: true,
        requestHandler,
        ...(stsEndpoint ? { endpoint: stsEndpoint } : {}),
      },
      ...(mfa ? { mfaCodeProvider: (serial: string) => mfa(profile, serial) } : {}),
    });
  }
}

/** The settings every client of a session is built with, whatever the service. */
interface ClientConfig {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  ignoreConfiguredEndpointUrls: boolean;
  endpoint?: string;
  retryMode: string;
  maxAttempts: number;
  requestHandler: HandlerTimeouts;
}

/** The options of the SDK's Node HTTP handler that bound one attempt. */
interface HandlerTimeouts {
  requestTimeout: number;
  throwOnRequestTimeout: boolean;
  connectionTimeout: number;
  socketTimeout: number;
}

function newClient(service: ServiceId, config: ClientConfig): AnyClient {
  switch (service) {
    case 'EC2':
      return new EC2Client(config);
    case 'KMS':
      return new KMSClient(config);
    case 'STS':
      return new STSClient(config);
    case 'IAM':
      return new IAMClient(config);
    case 'CloudTrail':
      return new CloudTrailClient(config);
    case 'Auto Scaling':
      return new AutoScalingClient(config);
  }
}

/**
 * Adds the SDK middleware that tells the running call's counter about each request. The
 * build step runs once per `send`, before retries, as a request is counted once however
 * many attempts it takes.
 */
function countingRequests<C extends AnyClient>(client: C): C {
  const stack = client.middlewareStack as EC2Client['middlewareStack'];
  stack.add(
    (next) => (args) => {
      requestCounter.getStore()?.();
      return next(args);
    },
    { step: 'build', name: 'ec2LaunchDoctorRequestCounter' },
  );
  return client;
}

/** The error with its message redacted (the shared files hold keys; a parser might quote them). */
function redactedError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(redactSecrets(String(error)));
  error.message = redactSecrets(error.message);
  return error;
}

/** `shared`, or the cancelled outcome as soon as `signal` aborts, whichever comes first. */
function raceSignal<T>(
  shared: Promise<Outcome<T>>,
  signal: AbortSignal | undefined,
  cancelled: () => Outcome<T>,
): Promise<Outcome<T>> {
  if (!signal) return shared;
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void shared.then((outcome) => {
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
  });
}

function cancelledOutcome<T>(profile: string, region: string, action: string): Outcome<T> {
  const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
  return { ok: false, error: classifyAwsError(abort, { profile, region, action }) };
}

function expiresSoon(identity: AwsCredentialIdentity): boolean {
  return !!identity.expiration && identity.expiration.getTime() - Date.now() < EXPIRY_MARGIN_MS;
}
