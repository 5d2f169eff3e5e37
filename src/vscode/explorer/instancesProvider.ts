import * as vscode from 'vscode';
import {
  filterInstances,
  isTransitional,
  pollDelayMs,
  sortInstances,
  describeFilteredCounts,
  describeRegionCounts,
  failingProfilesFirst,
  stoppedAtLaunch,
  type InstanceFilter,
} from '../../core/explorer/regionSummary';
import type { InstanceSummary } from '../../core/model';
import type { Logger } from '../log';
import { filterFolder, folderChildren, groupChildren, listRegionGroups, type GroupsFolderNode } from './groupNodes';
import { toTreeItem, type ExplorerNode, type InstanceNode, type ProfileNode, type RegionNode } from './nodes';
import {
  isFiltering,
  LISTING_DEADLINE_MS,
  profileChildren,
  ProfileListing,
  type ExplorerBackend,
  type ExplorerSettings,
} from './profileListing';

export type { ExplorerBackend, ExplorerSettings } from './profileListing';

/** Context key that makes the view show its welcome content (no profiles configured). */
export const NO_PROFILES_CONTEXT = 'ec2LaunchDoctor.noProfiles';
export const FILTERED_CONTEXT = 'ec2LaunchDoctor.filtered';

/**
 * How long expanding a profile waits for all its regions before showing those done so far
 * (the others show as "listing…" and appear as they finish): a quick listing renders once.
 */
const FIRST_PAINT_MS = 1_500;

/** Options of the tree; tests shorten the deadlines. */
export interface InstancesProviderOptions {
  /** False in an untrusted workspace: the tree then makes no AWS call and shows its welcome content. */
  trusted?: () => boolean;
  deadlineMs?: number;
  firstPaintMs?: number;
}

/**
 * Profiles -> regions -> instances. Nothing is fetched until a node is expanded; a profile's
 * regions are listed in parallel the moment it expands and shown as each finishes.
 * Failures become error nodes on the node they concern, never exceptions.
 */
export class InstancesProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  private profileNodes: Promise<ProfileNode[]> | undefined;
  private readonly listings = new Map<string, ProfileListing>();
  /** Per profile, the region counts of its listing before the current one (see regionCounts). */
  private readonly countsBefore = new Map<string, Map<string, string>>();
  /** Listings whose children VS Code has been given. */
  private readonly rendered = new WeakSet<ProfileListing>();
  private readonly polls = new Map<string, NodeJS.Timeout>();
  /** Each expanded region's "Auto Scaling groups" part, read once per listing. */
  private readonly groupFolders = new Map<string, Promise<GroupsFolderNode | undefined>>();
  private abort = new AbortController();
  private filter: InstanceFilter = {};
  /** Account ids GetCallerIdentity revealed, by profile: a Refresh keeps showing them. */
  private readonly knownAccounts = new Map<string, string>();
  /** Per profile, per listed region: instances stopped at launch, which mark the profile and put it first. */
  private readonly failuresByProfile = new Map<string, Map<string, number>>();

  constructor(
    private readonly backend: () => ExplorerBackend,
    private readonly settings: () => ExplorerSettings,
    private readonly log: Logger,
    private readonly options: InstancesProviderOptions = {},
  ) {}

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    const item = toTreeItem(node);
    // A region's counts follow the filter: how many match, then the whole region.
    if (node.type === 'region' && isFiltering(this.filter)) {
      item.description = describeFilteredCounts(
        node.instances.map((i) => i.instance),
        this.filter,
      );
    }
    return item;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    try {
      if (!node) return await this.rootChildren();
      if (node.type === 'profile') return await this.profileChildren(node);
      if (node.type === 'region') return await this.regionChildren(node);
      if (node.type === 'groups') return folderChildren(node);
      if (node.type === 'group') return groupChildren(node);
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
    // The counts seen so far stay available to the Diagnose pick until the regions answer again.
    for (const profile of this.listings.keys()) this.countsBefore.set(profile, this.regionCounts(profile));
    this.listings.clear();
    this.groupFolders.clear();
    // Listed again from scratch: a profile is marked again by what its regions now hold.
    this.failuresByProfile.clear();
    this.changed.fire(undefined);
  }

  /** Renders again from what was already listed (after a display setting changed). */
  rerender(): void {
    this.changed.fire(undefined);
  }

  /** The counts of the regions of a profile the tree has listed (none when it has not), for the Diagnose pick. */
  regionCounts(profile: string): Map<string, string> {
    // While a profile is listed again (after a Start or a Refresh), a region still being listed
    // keeps the counts of the listing before; one that answers or fails again gets its new state.
    const counts = new Map(this.countsBefore.get(profile));
    for (const entry of this.listings.get(profile)?.regions() ?? []) {
      if (entry.state === 'listed') counts.set(entry.region, entry.node.counts);
      else if (entry.state === 'failed') counts.delete(entry.region);
    }
    return counts;
  }

  /** Sets (or clears, with `{}`) the instance filter. */
  setFilter(filter: InstanceFilter): void {
    this.filter = { ...filter };
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT, isFiltering(filter));
    this.filterChanged.fire({ ...this.filter });
    this.changed.fire(undefined);
  }

  private readonly filterChanged = new vscode.EventEmitter<InstanceFilter>();
  /** Fires with the new filter, for the view to say that one is on. */
  readonly onDidChangeFilter = this.filterChanged.event;

  get currentFilter(): InstanceFilter {
    return { ...this.filter };
  }

  /**
   * Resolves once every region of the profile has finished, failed or timed out (at once for a
   * profile that was not expanded yet).
   */
  async whenListed(profile: string): Promise<void> {
    const listing = this.listings.get(profile);
    if (listing) await listing.settled;
  }

  /** The node of an instance, if its region has been listed. */
  async findInstance(profile: string, region: string, instanceId: string): Promise<InstanceNode | undefined> {
    return (await this.listedRegion(profile, region))?.instances.find((i) => i.instance.id === instanceId);
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
    const regionNode = await this.listedRegion(profile, region);
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
    // Untrusted workspace: no profile read, no AWS call; the view's welcome content explains.
    if (this.options.trusted && !this.options.trusted()) return [];
    if (!this.profileNodes) {
      this.profileNodes = this.backend()
        .profiles()
        .then((all) =>
          all.map((profile): ProfileNode => ({
            type: 'profile',
            profile,
            accountId: this.knownAccounts.get(profile.name),
          })),
        );
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
    for (const node of shown) node.stoppedAtLaunch = this.failuresOf(node.profile.name);
    return failingProfilesFirst(shown, (node) => node.stoppedAtLaunch ?? 0);
  }

  private failuresOf(profile: string): number {
    let total = 0;
    for (const count of this.failuresByProfile.get(profile)?.values() ?? []) total += count;
    return total;
  }

  /** Records a listed region's failures; true when the profile's total changed. */
  private noteRegionFailures(profile: string, region: string, count: number): boolean {
    const before = this.failuresOf(profile);
    let regions = this.failuresByProfile.get(profile);
    if (!regions) this.failuresByProfile.set(profile, (regions = new Map()));
    regions.set(region, count);
    return this.failuresOf(profile) !== before;
  }

  private async profileChildren(node: ProfileNode): Promise<ExplorerNode[]> {
    const listing = this.listings.get(node.profile.name) ?? this.startListing(node);
    await listing.ready;
    if (!this.rendered.has(listing)) {
      // A quick listing renders once; a slow region shows as "listing…" and appears when done.
      let waited: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        listing.settled,
        new Promise<void>((resolve) => (waited = setTimeout(resolve, this.options.firstPaintMs ?? FIRST_PAINT_MS))),
      ]);
      clearTimeout(waited);
    }
    // From now on VS Code shows these children: each region that settles later renders again.
    this.rendered.add(listing);
    return profileChildren(listing, this.settings(), this.filter);
  }

  private startListing(node: ProfileNode): ProfileListing {
    const backend = this.backend();
    const profile = node.profile.name;
    const signal = this.abort.signal;
    if (!node.profile.accountId) {
      // The account id is shown once known (the one known before a Refresh meanwhile); it must not hold up the listing.
      void backend.callerIdentity(profile, node.profile.region ?? 'us-east-1', signal).then((identity) => {
        if (identity.ok && !signal.aborted) {
          this.knownAccounts.set(profile, identity.value.account);
          if (node.accountId === identity.value.account) return;
          node.accountId = identity.value.account;
          this.changed.fire(node);
        }
      });
    }
    this.countsBefore.set(profile, this.regionCounts(profile));
    const listing = new ProfileListing(node, backend, {
      signal,
      deadlineMs: this.options.deadlineMs,
      warn: (message) => this.log.warn(message),
      onRegionSettled: (entry) => {
        if (signal.aborted) return;
        if (entry.state === 'listed' && entry.node.instances.some((n) => isTransitional(n.instance))) {
          this.schedulePoll(profile, entry.region, 0);
        }
        const failed =
          entry.state === 'listed' ? entry.node.instances.filter((n) => stoppedAtLaunch(n.instance)).length : 0;
        // The profiles are ordered by their failures: a changed count redraws the roots.
        if (this.noteRegionFailures(profile, entry.region, failed)) this.changed.fire(undefined);
        else if (this.rendered.has(listing)) this.changed.fire(node);
      },
    });
    this.listings.set(profile, listing);
    return listing;
  }

  /** The failing Auto Scaling groups first (read when the region is first expanded), then the instances. */
  private async regionChildren(node: RegionNode): Promise<ExplorerNode[]> {
    const folder = filterFolder(await this.groupsOf(node), this.filter.text);
    const instances = this.instanceChildren(node);
    return folder ? [folder, ...instances] : instances;
  }

  /** One DescribeAutoScalingGroups (and activities for the groups short of capacity) per region and listing. */
  private groupsOf(node: RegionNode): Promise<GroupsFolderNode | undefined> {
    const list = this.backend().autoScalingGroups;
    if (!list) return Promise.resolve(undefined);
    const key = `${node.profile}\u0000${node.region}`;
    let folder = this.groupFolders.get(key);
    if (!folder) {
      const signIn = this.listings.get(node.profile)?.profile.profile.signIn;
      const sso = signIn === 'sso' || signIn === 'sso-legacy';
      folder = listRegionGroups(
        list,
        { profile: node.profile, region: node.region, sso },
        this.abort.signal,
        this.options.deadlineMs ?? LISTING_DEADLINE_MS,
      );
      this.groupFolders.set(key, folder);
    }
    return folder;
  }

  private instanceChildren(node: RegionNode): ExplorerNode[] {
    const byId = new Map(node.instances.map((n) => [n.instance.id, n]));
    const shown = sortInstances(
      filterInstances(
        node.instances.map((n) => n.instance),
        this.filter,
      ),
    )
      .map((i) => byId.get(i.id))
      .filter((n): n is InstanceNode => n !== undefined);
    if (shown.length > 0) return shown;
    return [
      {
        type: 'message',
        label: isFiltering(this.filter) ? 'No instance matches the filter' : 'No instances in this region',
      },
    ];
  }

  private async listedRegion(profile: string, region: string): Promise<RegionNode | undefined> {
    const listing = this.listings.get(profile);
    await listing?.ready;
    return listing?.region(region);
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
      const regionNode = await this.listedRegion(profile, region);
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
      if (!this.polls.has(key) && regionNode.instances.some((n) => isTransitional(n.instance))) {
        this.schedulePoll(profile, region, attempt + 1);
      }
    }, pollDelayMs(attempt));
    this.polls.set(key, timer);
  }

  dispose(): void {
    this.abort.abort();
    for (const timer of this.polls.values()) clearTimeout(timer);
    this.changed.dispose();
    this.filterChanged.dispose();
  }
}
