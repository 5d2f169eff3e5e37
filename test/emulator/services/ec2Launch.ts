/**
 * What EC2 launches from: launch templates and their versions, AMIs and EBS snapshots, with
 * the volumes each would create (EC2 API reference: DescribeLaunchTemplates,
 * DescribeLaunchTemplateVersions, DescribeImages, DescribeSnapshots). An AMI or snapshot is
 * visible to its owner and to the accounts it is shared with (launch / createVolume
 * permissions); other ids are not found, as in EC2.
 */
import { accessDenied } from '../authz/denials';
import { authorize, queryString, queryStrings, type CallContext, type Handler } from '../context';
import { AwsError } from '../errors';
import type {
  ScenarioLaunchDevice,
  ScenarioLaunchTemplate,
  ScenarioLaunchTemplateVersion,
  ScenarioSsmParameter,
} from '../scenario';
import type { Caller, World } from '../state';
import { element, list, text } from '../xml';
import { page, respond } from './ec2';

/**
 * A launch template's `ImageId` may name a Systems Manager parameter instead of an AMI:
 * `resolve:ssm:<name>` (or `resolve:ssm:<name>:<version>`), resolved to the AMI the parameter
 * holds when the template is used; whoever uses the template needs ssm:GetParameters on the
 * parameter (https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-systems-manager-parameter-to-find-AMI.html).
 */
const SSM_IMAGE_PREFIX = 'resolve:ssm:';

/** The parameter `imageId` names, as its name and ARN, or undefined for an AMI id. A shared parameter is named by its ARN. */
function parameterRef(imageId: string, account: string, region: string): { name: string; arn: string } | undefined {
  if (!imageId.startsWith(SSM_IMAGE_PREFIX)) return undefined;
  const ref = imageId.slice(SSM_IMAGE_PREFIX.length);
  // Parameter names hold no colon: what follows the name (or the ARN's six parts) is a version or label.
  if (ref.startsWith('arn:')) {
    const arn = ref.split(':').slice(0, 6).join(':');
    const name = arn.slice(arn.indexOf(':parameter') + ':parameter'.length);
    return { name, arn };
  }
  const name = ref.split(':')[0] ?? ref;
  return { name, arn: `arn:aws:ssm:${region}:${account}:parameter${name.startsWith('/') ? '' : '/'}${name}` };
}

function parameterOf(world: World, arn: string): ScenarioSsmParameter | undefined {
  return (world.scenario.ssmParameters ?? []).find(
    (p) => `arn:aws:ssm:${p.region}:${p.account}:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}` === arn,
  );
}

/**
 * The AMI id a template's `imageId` stands for, as `caller` would have it resolved in `region`:
 * the id itself for an AMI id; for a parameter, its value once ssm:GetParameters on it is allowed.
 * The refusal is EC2's UnauthorizedOperation naming ssm:GetParameters and the parameter, and a
 * parameter that does not exist is InvalidParameterValue: neither wording is documented (this
 * model's, src/aws-records.md Q3).
 */
export async function resolveTemplateImage(
  world: World,
  caller: Caller,
  region: string,
  imageId: string,
): Promise<string> {
  const ref = parameterRef(imageId, caller.account, region);
  if (!ref) return imageId;
  const resourceAccount = ref.arn.split(':')[4] ?? caller.account;
  const decision = await world.authorizer.decide({
    caller,
    action: 'ssm:GetParameters',
    resource: ref.arn,
    resourceAccount,
    region,
  });
  if (!decision.allowed) throw accessDenied('ec2', caller.arn, 'ssm:GetParameters', ref.arn, decision.reason);
  const parameter = parameterOf(world, ref.arn);
  if (!parameter)
    throw new AwsError('InvalidParameterValue', `The Systems Manager parameter ${ref.name} does not exist.`);
  return parameter.value;
}

function keyArn(ctx: CallContext, ref: string | undefined, account: string, region: string): string | undefined {
  if (!ref) return undefined;
  return ctx.world.findKey(ref, account, region)?.arn ?? ref;
}

function launchDeviceXml(
  ctx: CallContext,
  d: ScenarioLaunchDevice,
  account: string,
  region: string,
  withKmsKey: boolean,
): string {
  const ebs =
    text('deleteOnTermination', true) +
    text('snapshotId', d.snapshotId) +
    text('volumeSize', d.volumeSizeGiB) +
    text('volumeType', d.volumeType ?? 'gp3') +
    (withKmsKey ? text('kmsKeyId', keyArn(ctx, d.kmsKeyId, account, region)) : '') +
    text('encrypted', d.encrypted);
  return text('deviceName', d.deviceName) + element('ebs', ebs);
}

function templateOf(ctx: CallContext): ScenarioLaunchTemplate {
  const id = queryString(ctx.query.LaunchTemplateId);
  const name = queryString(ctx.query.LaunchTemplateName);
  if (id && name)
    throw new AwsError(
      'InvalidParameterCombination',
      'Specify either the launch template ID or the launch template name, but not both.',
    );
  const mine = (ctx.world.scenario.launchTemplates ?? []).filter(
    (t) => t.account === ctx.caller.account && t.region === ctx.region,
  );
  const template = id ? mine.find((t) => t.id === id) : name ? mine.find((t) => t.name === name) : undefined;
  if (template) return template;
  if (id)
    throw new AwsError(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${id}, does not exist.`,
    );
  if (name)
    throw new AwsError(
      'InvalidLaunchTemplateName.NotFoundException',
      'At least one of the launch templates specified in the request does not exist.',
    );
  throw new AwsError(
    'MissingParameter',
    'The request must contain the parameter LaunchTemplateId or LaunchTemplateName',
  );
}

function selectVersions(template: ScenarioLaunchTemplate, asked: string[]): ScenarioLaunchTemplateVersion[] {
  if (!asked.length) return template.versions;
  const latest = Math.max(...template.versions.map((v) => v.versionNumber));
  return asked.map((v) => {
    const n =
      v === '$Latest' ? latest : v === '$Default' ? template.versions.find((x) => x.default)?.versionNumber : Number(v);
    const version = template.versions.find((x) => x.versionNumber === n);
    if (!version)
      throw new AwsError(
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find launch template version ${v} for template ${template.id}.`,
      );
    return version;
  });
}

/**
 * DescribeLaunchTemplateVersions (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html):
 * a version whose `ImageId` is a Systems Manager parameter answers with the parameter, or, with
 * `ResolveAlias=true`, with the AMI id it holds (`resolveTemplateImage`, which needs the caller's
 * ssm:GetParameters on it; a refusal refuses the whole call here, an UNCONFIRMED choice).
 */
const describeLaunchTemplateVersions: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:DescribeLaunchTemplateVersions' });
  const template = templateOf(ctx);
  const versions = selectVersions(template, queryStrings(ctx.query.LaunchTemplateVersion));
  const resolveAlias = queryString(ctx.query.ResolveAlias) === 'true';
  const signature = JSON.stringify([
    ctx.caller.account,
    ctx.region,
    template.id,
    queryStrings(ctx.query.LaunchTemplateVersion),
    resolveAlias,
  ]);
  const { items, nextToken } = page(versions, ctx.query, signature, 1, 200);
  const imageIds = await Promise.all(
    items.map((v) =>
      v.imageId && resolveAlias ? resolveTemplateImage(ctx.world, ctx.caller, ctx.region, v.imageId) : v.imageId,
    ),
  );
  const xml = items.map(
    (v, i) =>
      text('launchTemplateId', template.id) +
      text('launchTemplateName', template.name) +
      text('versionNumber', v.versionNumber) +
      text('createTime', '2024-01-15T09:00:00.000Z') +
      text('createdBy', `arn:aws:iam::${template.account}:root`) +
      text('defaultVersion', v.default === true) +
      element(
        'launchTemplateData',
        list(
          'blockDeviceMappingSet',
          'item',
          (v.blockDevices ?? []).map((d) => launchDeviceXml(ctx, d, template.account, template.region, true)),
        ) + text('imageId', imageIds[i]),
      ),
  );
  return respond(ctx, list('launchTemplateVersionSet', 'item', xml) + text('nextToken', nextToken));
};

/**
 * A template's tags (`tagSet`). Read structurally: the scenario type has no field for them yet,
 * and a template without tags answers without a `tagSet`, as in the API reference's sample.
 */
function tagsOf(template: ScenarioLaunchTemplate): Record<string, string> {
  return (template as ScenarioLaunchTemplate & { tags?: Record<string, string> }).tags ?? {};
}

/** EC2's launch template ids: `lt-` and 17 hexadecimal digits. */
const TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;

/**
 * The caller's templates in the region that `LaunchTemplateId.N` and `LaunchTemplateName.N`
 * name (either list, or both: a template named by either is listed once), else all of them,
 * in the scenario's order. Error codes from EC2's list of client error codes
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), which the
 * DescribeLaunchTemplates reference points to for its errors: a malformed id is
 * InvalidLaunchTemplateId.Malformed, an unknown id InvalidLaunchTemplateId.NotFound, an unknown
 * name InvalidLaunchTemplateName.NotFoundException. This model checks the ids first, and the
 * malformed-id message is its own wording (the not-found ones are DescribeLaunchTemplateVersions').
 */
function namedTemplates(ctx: CallContext, ids: string[], names: string[]): ScenarioLaunchTemplate[] {
  const malformed = ids.find((id) => !TEMPLATE_ID.test(id));
  if (malformed !== undefined)
    throw new AwsError(
      'InvalidLaunchTemplateId.Malformed',
      `The specified ID for the launch template (${malformed}) is not valid.`,
    );
  const mine = (ctx.world.scenario.launchTemplates ?? []).filter(
    (t) => t.account === ctx.caller.account && t.region === ctx.region,
  );
  if (!ids.length && !names.length) return mine;
  const missingId = ids.find((id) => !mine.some((t) => t.id === id));
  if (missingId !== undefined)
    throw new AwsError(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${missingId}, does not exist.`,
    );
  if (names.some((name) => !mine.some((t) => t.name === name)))
    throw new AwsError(
      'InvalidLaunchTemplateName.NotFoundException',
      'At least one of the launch templates specified in the request does not exist.',
    );
  return mine.filter((t) => ids.includes(t.id) || names.includes(t.name));
}

/**
 * DescribeLaunchTemplates (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html):
 * each template with its default and latest version numbers (API_LaunchTemplate), `MaxResults`
 * 1 to 200 as the reference gives it, paged with `NextToken`. Filters are not modelled.
 */
const describeLaunchTemplates: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:DescribeLaunchTemplates' });
  const ids = queryStrings(ctx.query.LaunchTemplateId);
  const names = queryStrings(ctx.query.LaunchTemplateName);
  const templates = namedTemplates(ctx, ids, names);
  const signature = JSON.stringify([ctx.caller.account, ctx.region, 'templates', ids, names]);
  const { items, nextToken } = page(templates, ctx.query, signature, 1, 200);
  const xml = items.map((t) => {
    const numbers = t.versions.map((v) => v.versionNumber);
    const latest = numbers.length ? Math.max(...numbers) : undefined;
    const defaultVersion =
      t.versions.find((v) => v.default)?.versionNumber ?? (numbers.length ? Math.min(...numbers) : undefined);
    const tags = Object.entries(tagsOf(t)).map(([k, v]) => text('key', k) + text('value', v));
    return (
      text('launchTemplateId', t.id) +
      text('launchTemplateName', t.name) +
      text('createTime', '2024-01-15T09:00:00.000Z') +
      text('createdBy', `arn:aws:iam::${t.account}:root`) +
      text('defaultVersionNumber', defaultVersion) +
      text('latestVersionNumber', latest) +
      (tags.length ? list('tagSet', 'item', tags) : '')
    );
  });
  return respond(ctx, list('launchTemplates', 'item', xml) + text('nextToken', nextToken));
};

const visibleTo = (account: string, owner: string, shared?: string[], isPublic?: boolean): boolean =>
  owner === account || isPublic === true || (shared ?? []).includes(account);

const describeImages: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:DescribeImages' });
  const ids = queryStrings(ctx.query.ImageId);
  const malformed = ids.find((id) => !/^ami-[0-9a-f]{8,17}$/.test(id));
  if (malformed !== undefined) throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${malformed}"`);
  const visible = (ctx.world.scenario.images ?? []).filter(
    (i) => i.region === ctx.region && visibleTo(ctx.caller.account, i.account, i.sharedWith, i.public),
  );
  const images = ids.length
    ? visible.filter((i) => ids.includes(i.id))
    : visible.filter((i) => i.account === ctx.caller.account);
  const missing = ids.filter((id) => !images.some((i) => i.id === id));
  if (missing.length)
    throw new AwsError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
  const xml = images.map(
    (i) =>
      text('imageId', i.id) +
      text('imageLocation', `${i.account}/${i.name ?? i.id}`) +
      text('imageState', 'available') +
      text('imageOwnerId', i.account) +
      text('creationDate', '2024-01-15T09:00:00.000Z') +
      text('isPublic', i.public === true) +
      text('architecture', 'x86_64') +
      text('imageType', 'machine') +
      text('name', i.name ?? i.id) +
      text('rootDeviceType', 'ebs') +
      text('rootDeviceName', i.blockDevices[0]?.deviceName ?? '/dev/xvda') +
      // An AMI's block devices name snapshots; their keys are the snapshots' (DescribeImages has no kmsKeyId for them).
      list(
        'blockDeviceMapping',
        'item',
        i.blockDevices.map((d) => launchDeviceXml(ctx, d, i.account, i.region, false)),
      ) +
      text('virtualizationType', 'hvm') +
      text('hypervisor', 'xen'),
  );
  return respond(ctx, list('imagesSet', 'item', xml));
};

const describeSnapshots: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:DescribeSnapshots' });
  const ids = queryStrings(ctx.query.SnapshotId);
  const visible = (ctx.world.scenario.snapshots ?? []).filter(
    (s) => s.region === ctx.region && visibleTo(ctx.caller.account, s.account, s.sharedWith),
  );
  const snapshots = ids.length
    ? visible.filter((s) => ids.includes(s.id))
    : visible.filter((s) => s.account === ctx.caller.account);
  const missing = ids.filter((id) => !snapshots.some((s) => s.id === id));
  if (missing.length)
    throw new AwsError('InvalidSnapshot.NotFound', `The snapshot '${missing.join(', ')}' does not exist.`);
  const signature = JSON.stringify([ctx.caller.account, ctx.region, ids]);
  const { items, nextToken } = page(snapshots, ctx.query, signature, 5, 1000);
  const xml = items.map(
    (s) =>
      text('snapshotId', s.id) +
      text('volumeId', 'vol-ffffffff') +
      text('status', 'completed') +
      text('startTime', '2024-01-15T09:00:00.000Z') +
      text('progress', '100%') +
      text('ownerId', s.account) +
      text('volumeSize', s.volumeSizeGiB ?? 8) +
      text('encrypted', s.encrypted) +
      (s.encrypted ? text('kmsKeyId', keyArn(ctx, s.kmsKeyId, s.account, s.region)) : ''),
  );
  return respond(ctx, list('snapshotSet', 'item', xml) + text('nextToken', nextToken));
};

/** EC2 launch-source operations by action name. */
export const ec2LaunchHandlers: Record<string, Handler> = {
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  DescribeImages: describeImages,
  DescribeSnapshots: describeSnapshots,
};
