// One profile's listing, region by region. No `vscode` import: the progressive rendering and
// the deadlines are tested in plain mocha.
import {
  describeRegionCounts,
  filterInstances,
  stoppedAtLaunch,
  type InstanceFilter,
} from '../../core/explorer/regionSummary';
import type { AwsFailure, CallerIdentity, InstanceSummary, Outcome, ProfileSummary } from '../../core/model';
import type { ListGroups } from './groupNodes';
import type { ErrorNode, ExplorerNode, InstanceNode, MessageNode, ProfileNode, RegionNode } from './nodes';

/** What the tree needs from AWS; the extension implements it over the AWS layer. */
export interface ExplorerBackend {
  profiles(): Promise<ProfileSummary[]>;
  callerIdentity(profile: string, region: string, signal?: AbortSignal): Promise<Outcome<CallerIdentity>>;
  regions(profile: string, signal?: AbortSignal): Promise<Outcome<string[]>>;
  instances(profile: string, region: string, signal?: AbortSignal): Promise<Outcome<InstanceSummary[]>>;
  instancesById(
    profile: string,
    region: string,
    ids: string[],
    signal?: AbortSignal,
  ): Promise<Outcome<InstanceSummary[]>>;
  /** A region's Auto Scaling groups, read when the region is expanded; without it the tree shows none. */
  autoScalingGroups?: ListGroups;
}

/** Where one region of a profile stands. */
export type RegionListing =
  | { state: 'listing'; region: string }
  | { state: 'listed'; region: string; node: RegionNode }
  | { state: 'failed'; region: string; node: ErrorNode };

/**
 * How long the tree waits for one call (the region list, one region's instances) before it
 * shows that region as timed out. The AWS layer ends its calls sooner; this bounds the tree
 * whatever happens below it.
 */
export const LISTING_DEADLINE_MS = 60_000;

export interface ListingOptions {
  /** Aborts every call of the listing (Refresh, dispose). */
  signal: AbortSignal;
  deadlineMs?: number;
  /** Told each time a region finishes, fails or times out, in the order that happens. */
  onRegionSettled?: (listing: RegionListing) => void;
  warn?: (message: string) => void;
}

/**
 * Lists one profile: its regions first, then every region's instances in parallel (under
 * the AWS layer's shared concurrency limit). Each region is available as soon as it is done,
 * so a stalled region holds up only itself; past the deadline it becomes an error node.
 */
export class ProfileListing {
  /** Resolves once the region list is known (or failed): from then on `regions()` says where each stands. */
  readonly ready: Promise<void>;
  /** Resolves once every region has finished, failed or timed out. */
  readonly settled: Promise<void>;
  /** Set when the profile's regions could not be listed at all. */
  profileError: ErrorNode | undefined;

  private readonly order: string[] = [];
  private readonly byRegion = new Map<string, RegionListing>();
  private readonly sso: boolean;

  constructor(
    readonly profile: ProfileNode,
    private readonly backend: ExplorerBackend,
    private readonly options: ListingOptions,
  ) {
    this.sso = profile.profile.signIn === 'sso' || profile.profile.signIn === 'sso-legacy';
    const regions = this.listRegions();
    this.ready = regions.then(() => undefined);
    this.settled = regions.then((list) => this.listInstances(list ?? []));
  }

  /** Every region in the order the region list gave them. */
  regions(): RegionListing[] {
    return this.order.map((region) => this.byRegion.get(region)).filter((r): r is RegionListing => r !== undefined);
  }

  /** The node of a listed region. */
  region(region: string): RegionNode | undefined {
    const listing = this.byRegion.get(region);
    return listing?.state === 'listed' ? listing.node : undefined;
  }

  private get name(): string {
    return this.profile.profile.name;
  }

  private async listRegions(): Promise<string[] | undefined> {
    const result = await withDeadline(
      (signal) => this.backend.regions(this.name, signal),
      this.options.signal,
      this.deadlineMs,
      timedOut(`Listing the regions of profile ${this.name}`, this.deadlineMs),
    );
    if (!result.ok) {
      this.options.warn?.(`${this.name}: ${result.error.message}`);
      this.profileError = { type: 'error', profile: this.name, sso: this.sso, failure: result.error };
      return undefined;
    }
    for (const region of result.value) {
      this.order.push(region);
      this.byRegion.set(region, { state: 'listing', region });
    }
    return result.value;
  }

  private async listInstances(regions: string[]): Promise<void> {
    await Promise.all(
      regions.map(async (region) => {
        const result = await withDeadline(
          (signal) => this.backend.instances(this.name, region, signal),
          this.options.signal,
          this.deadlineMs,
          timedOut(`Listing the instances of profile ${this.name} in ${region}`, this.deadlineMs),
        );
        this.byRegion.set(region, this.toListing(region, result));
        this.options.onRegionSettled?.(this.byRegion.get(region) as RegionListing);
      }),
    );
  }

  private toListing(region: string, result: Outcome<InstanceSummary[]>): RegionListing {
    const profile = this.name;
    if (!result.ok) {
      this.options.warn?.(`${profile}/${region}: ${result.error.message}`);
      return {
        state: 'failed',
        region,
        node: { type: 'error', profile, sso: this.sso, region, failure: result.error },
      };
    }
    const instances = result.value.map((instance): InstanceNode => ({ type: 'instance', profile, region, instance }));
    const node: RegionNode = { type: 'region', profile, region, instances, counts: describeRegionCounts(result.value) };
    return { state: 'listed', region, node };
  }

  private get deadlineMs(): number {
    return this.options.deadlineMs ?? LISTING_DEADLINE_MS;
  }
}

/** A failure for a call that did not end in time, with what to do about it. */
function timedOut(what: string, deadlineMs: number): AwsFailure {
  return {
    kind: 'network',
    code: 'TimeoutError',
    message: `${what} did not finish within ${Math.round(deadlineMs / 1000)} s.`,
    nextStep: 'Refresh to try again; if it keeps timing out, check the network path to AWS (proxy, VPN, firewall).',
  };
}

/**
 * Runs `call` with a signal that aborts with `parent` or at the deadline. At the deadline
 * the call is abandoned and `failure` is the result, whether or not the call ever returns.
 */
export async function withDeadline<T>(
  call: (signal: AbortSignal) => Promise<Outcome<T>>,
  parent: AbortSignal,
  deadlineMs: number,
  failure: AwsFailure,
): Promise<Outcome<T>> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  parent.addEventListener('abort', abort, { once: true });
  if (parent.aborted) controller.abort();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, error: failure });
    }, deadlineMs);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } catch (error) {
    // The backend returns failures as values; anything thrown still ends as one.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { kind: 'unknown', message, nextStep: 'Show Log for details, then Refresh.' } };
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', abort);
  }
}

/** Settings the tree reads on every render. */
export interface ExplorerSettings {
  profiles: string[];
  showEmptyRegions: boolean;
}

/**
 * A profile's children as they stand: the failures first (each in region order), then the
 * listed regions that have something to show, then the regions still being listed.
 */
export function profileChildren(
  listing: Pick<ProfileListing, 'profileError' | 'regions'>,
  settings: Pick<ExplorerSettings, 'showEmptyRegions'>,
  filter: InstanceFilter,
): ExplorerNode[] {
  if (listing.profileError) return [listing.profileError];
  const filtering = isFiltering(filter);
  // Regions with instances stopped at launch first; then the others and the regions that
  // failed to list, together in region order; then those still listing.
  const failing: ExplorerNode[] = [];
  const others: ExplorerNode[] = [];
  const pending: MessageNode[] = [];
  for (const entry of listing.regions()) {
    if (entry.state === 'failed') others.push(entry.node);
    else if (entry.state === 'listing')
      pending.push({ type: 'message', label: entry.region, description: 'listing…', busy: true });
    else {
      const instances = entry.node.instances.map((i) => i.instance);
      const count = filtering ? filterInstances(instances, filter).length : instances.length;
      if (count > 0 || (settings.showEmptyRegions && !filtering)) {
        (instances.some(stoppedAtLaunch) ? failing : others).push(entry.node);
      }
    }
  }
  const children = [...failing, ...others, ...pending];
  if (children.length === 0) {
    children.push({
      type: 'message',
      label: filtering ? 'No instance matches the filter' : 'No instances in any enabled region',
    });
  }
  return children;
}

/** True when the filter hides something: a text to match or "stopped at launch only". */
export function isFiltering(filter: InstanceFilter): boolean {
  return Boolean(filter.text || filter.stoppedAtLaunchOnly);
}
