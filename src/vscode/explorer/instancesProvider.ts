import * as vscode from 'vscode';
import type { CallerIdentity, InstanceSummary, Outcome, ProfileSummary } from '../../core/model';
import {
  describeRegionCounts,
  filterInstances,
  isTransitional,
  pollDelayMs,
  sortInstances,
  type InstanceFilter,
} from '../../core/explorer/regionSummary';
import type { Logger } from '../log';
import {
  toTreeItem,
  type ErrorNode,
  type ExplorerNode,
  type InstanceNode,
  type ProfileNode,
  type RegionNode,
} from './nodes';

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
}

/** Settings the tree reads on every render. */
export interface ExplorerSettings {
  profiles: string[];
  showEmptyRegions: boolean;
}

/** What one profile's expansion found: a node per listed region and one per failure. */
interface ProfileContents {
  regions: RegionNode[];
  errors: ErrorNode[];
}

/** True when the filter hides something: a text to match or "stopped at launch only". */
export function isFiltering(filter: InstanceFilter): boolean {
  return Boolean(filter.text || filter.stoppedAtLaunchOnly);
}

/** Context key that makes the view show its welcome content (no profiles configured). */
export const NO_PROFILES_CONTEXT = 'ec2LaunchDoctor.noProfiles';
export const FILTERED_CONTEXT = 'ec2LaunchDoctor.filtered';

/**
 * Profiles -> regions -> instances. Nothing is fetched until a node is expanded; a profile's
 * regions are listed in parallel (under the AWS layer's shared concurrency limit) the moment
 * it expands. Failures become error nodes on the node they concern, never exceptions.
 */
export class InstancesProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  private profileNodes: Promise<ProfileNode[]> | undefined;
  private readonly contents = new Map<string, Promise<ProfileContents>>();
  private readonly polls = new Map<string, NodeJS.Timeout>();
  private abort = new AbortController();
  private filter: InstanceFilter = {};

  constructor(
    private readonly backend: () => ExplorerBackend,
    private readonly settings: () => ExplorerSettings,
    private readonly log: Logger,
  ) {}

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    return toTreeItem(node);
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    try {
      if (!node) return await this.rootChildren();
      if (node.type === 'profile') return await this.profileChildren(node);
      if (node.type === 'region') return this.regionChildren(node);
      return [];
    } catch (error) {
      // getChildren must never throw: a broken node would blank the whole view.
      this.log.error(`Listing failed: ${error instanceof Error ? error.message : String(error)}`);
      return [{ type: 'message', label: 'Could not list this node', description: 'Show Log for details' }];
    }
  }

  /** Forgets everything and lists again from the profiles down. */
  refresh(): void {
    this.abort.abort();
    this.abort = new AbortController();
    for (const timer of this.polls.values()) clearTimeout(timer);
    this.polls.clear();
    this.profileNodes = undefined;
    this.contents.clear();
    this.changed.fire(undefined);
  }

  /** Renders again from what was already listed (after a display setting changed). */
  rerender(): void {
    this.changed.fire(undefined);
  }

  /** Sets (or clears, with `{}`) the instance filter. */
  setFilter(filter: InstanceFilter): void {
    this.filter = { ...filter };
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT, isFiltering(filter));
    this.changed.fire(undefined);
  }

  get currentFilter(): InstanceFilter {
    return { ...this.filter };
  }

  /** The node of an instance, if its region has been listed. */
  async findInstance(profile: string, region: string, instanceId: string): Promise<InstanceNode | undefined> {
    const contents = await this.contents.get(profile);
    return contents?.regions.find((r) => r.region === region)?.instances.find((i) => i.instance.id === instanceId);
  }

  /**
   * Shows what is now known of an instance, if its region is listed. The instance's node is
   * replaced, not changed: whoever holds the old node (a command's argument) keeps what it saw.
   */
  async showInstance(
    profile: string,
    region: string,
    instance: Partial<InstanceSummary> & { id: string },
  ): Promise<void> {
    const regionNode = (await this.contents.get(profile))?.regions.find((r) => r.region === region);
    const index = regionNode?.instances.findIndex((n) => n.instance.id === instance.id) ?? -1;
    if (!regionNode || index < 0) return;
    const old = regionNode.instances[index];
    this.replaceInstance(regionNode, index, { ...old.instance, ...instance });
    this.regionChanged(regionNode);
  }

  /** Shows a state the instance just entered (after Stop) and follows it until it settles. */
  async instanceChanged(
    profile: string,
    region: string,
    instance: Partial<InstanceSummary> & { id: string },
  ): Promise<void> {
    await this.showInstance(profile, region, instance);
    this.schedulePoll(profile, region, 0);
  }

  private async rootChildren(): Promise<ExplorerNode[]> {
    if (!this.profileNodes) {
      this.profileNodes = this.backend()
        .profiles()
        .then((all) => all.map((profile): ProfileNode => ({ type: 'profile', profile })));
      this.profileNodes.catch(() => (this.profileNodes = undefined));
    }
    let nodes: ProfileNode[];
    try {
      nodes = await this.profileNodes;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`Reading the AWS config files failed: ${message}`);
      return [{ type: 'message', label: 'Could not read the AWS config files', description: message }];
    }
    const wanted = this.settings().profiles;
    const shown = wanted.length > 0 ? nodes.filter((n) => wanted.includes(n.profile.name)) : nodes;
    void vscode.commands.executeCommand('setContext', NO_PROFILES_CONTEXT, nodes.length === 0);
    if (nodes.length > 0 && shown.length === 0) {
      return [{ type: 'message', label: 'No profile matches the ec2LaunchDoctor.profiles setting' }];
    }
    return shown;
  }

  private async profileChildren(node: ProfileNode): Promise<ExplorerNode[]> {
    const name = node.profile.name;
    let contents = this.contents.get(name);
    if (!contents) {
      contents = this.loadProfile(node);
      this.contents.set(name, contents);
    }
    const { regions, errors } = await contents;
    const showEmpty = this.settings().showEmptyRegions;
    const filtering = isFiltering(this.filter);
    const visible = regions.filter((r) => {
      const count = filtering
        ? filterInstances(
            r.instances.map((i) => i.instance),
            this.filter,
          ).length
        : r.instances.length;
      return count > 0 || (showEmpty && !filtering);
    });
    const children: ExplorerNode[] = [...errors, ...visible];
    if (children.length === 0) {
      children.push({
        type: 'message',
        label: filtering ? 'No instance matches the filter' : 'No instances in any enabled region',
      });
    }
    return children;
  }

  private regionChildren(node: RegionNode): ExplorerNode[] {
    const byId = new Map(node.instances.map((n) => [n.instance.id, n]));
    const shown = sortInstances(
      filterInstances(
        node.instances.map((n) => n.instance),
        this.filter,
      ),
    ).map((i) => byId.get(i.id)!);
    if (shown.length > 0) return shown;
    const filtering = isFiltering(this.filter);
    return [{ type: 'message', label: filtering ? 'No instance matches the filter' : 'No instances in this region' }];
  }

  private async loadProfile(node: ProfileNode): Promise<ProfileContents> {
    const backend = this.backend();
    const profile = node.profile.name;
    const signal = this.abort.signal;
    if (!node.profile.accountId && !node.accountId) {
      // The account id is shown once known; it must not hold up the listing.
      void backend.callerIdentity(profile, node.profile.region ?? 'us-east-1', signal).then((identity) => {
        if (identity.ok) {
          node.accountId = identity.value.account;
          this.changed.fire(node);
        }
      });
    }
    const sso = node.profile.signIn === 'sso' || node.profile.signIn === 'sso-legacy';
    const regions = await backend.regions(profile, signal);
    if (!regions.ok) {
      this.log.warn(`${profile}: ${regions.error.message}`);
      return { regions: [], errors: [{ type: 'error', profile, sso, failure: regions.error }] };
    }
    const listed = await Promise.all(
      regions.value.map(async (region) => ({ region, result: await backend.instances(profile, region, signal) })),
    );
    const contents: ProfileContents = { regions: [], errors: [] };
    for (const { region, result } of listed) {
      if (!result.ok) {
        this.log.warn(`${profile}/${region}: ${result.error.message}`);
        contents.errors.push({ type: 'error', profile, sso, region, failure: result.error });
        continue;
      }
      const instances = result.value.map((instance): InstanceNode => ({ type: 'instance', profile, region, instance }));
      contents.regions.push({ type: 'region', profile, region, instances, counts: describeRegionCounts(result.value) });
      if (result.value.some(isTransitional)) this.schedulePoll(profile, region, 0);
    }
    return contents;
  }

  private replaceInstance(regionNode: RegionNode, index: number, instance: InstanceSummary): void {
    regionNode.instances[index] = { ...regionNode.instances[index], instance };
  }

  /**
   * Its instances changed: the region's counts follow, and the region is rendered again (its
   * children are new nodes, which VS Code matches to the old items by id).
   */
  private regionChanged(regionNode: RegionNode): void {
    regionNode.counts = describeRegionCounts(regionNode.instances.map((i) => i.instance));
    this.changed.fire(regionNode);
  }

  /** One DescribeInstances per region for all its transitional instances, with back-off. */
  private schedulePoll(profile: string, region: string, attempt: number): void {
    const key = `${profile}\u0000${region}`;
    // One poll per region at a time: a newer schedule replaces a pending one.
    clearTimeout(this.polls.get(key));
    const signal = this.abort.signal;
    const timer = setTimeout(async () => {
      this.polls.delete(key);
      const contents = await this.contents.get(profile);
      const regionNode = contents?.regions.find((r) => r.region === region);
      const moving = regionNode?.instances.filter((n) => isTransitional(n.instance)) ?? [];
      if (!regionNode || moving.length === 0 || signal.aborted) return;
      const result = await this.backend().instancesById(
        profile,
        region,
        moving.map((n) => n.instance.id),
        signal,
      );
      if (signal.aborted) return;
      if (result.ok) {
        let moved = false;
        for (const fresh of result.value) {
          const index = regionNode.instances.findIndex((n) => n.instance.id === fresh.id);
          const known = regionNode.instances[index]?.instance;
          if (known && (known.state !== fresh.state || known.stateReason?.code !== fresh.stateReason?.code)) {
            this.replaceInstance(regionNode, index, fresh);
            moved = true;
          }
        }
        if (moved) this.regionChanged(regionNode);
      } else {
        this.log.warn(`Polling ${profile}/${region}: ${result.error.message}`);
      }
      // A schedule made while this poll waited (Stop on another instance) already covers the region.
      if (!this.polls.has(key) && regionNode.instances.some((n) => isTransitional(n.instance)))
        this.schedulePoll(profile, region, attempt + 1);
    }, pollDelayMs(attempt));
    this.polls.set(key, timer);
  }

  dispose(): void {
    this.abort.abort();
    for (const timer of this.polls.values()) clearTimeout(timer);
    this.changed.dispose();
  }
}
