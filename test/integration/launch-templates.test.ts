/**
 * The launch templates the Check Launch Readiness pick lists: `describeLaunchTemplates` of the
 * AWS layer through the real SDK over HTTP against the emulator's DescribeLaunchTemplates, on
 * the autoscaling scenario (its template eks-nodes, version 2 the default of 2). Also the
 * emulator's answer as the SDK reads it: the template's fields and tags, pages of a given
 * size, and the errors for unknown ids and names and for a caller without the permission.
 */
import * as assert from 'node:assert/strict';
import { DescribeLaunchTemplatesCommand, type DescribeLaunchTemplatesCommandInput } from '@aws-sdk/client-ec2';
import { describeLaunchTemplates } from '../../src/aws';
import type { AwsFailure } from '../../src/core/model';
import { loadScenario, type Scenario, type ScenarioLaunchTemplate } from '../emulator';
import { ACCOUNT, ADMIN, LAUNCH_TEMPLATE_ID, REGION, allowing, useLaunchWorld, value } from './support/launchWorld';

/** May read template versions, AMIs and snapshots, but not list the templates. */
const VIEWER = 'template-viewer';
/** Templates added beside eks-nodes: one more than DescribeLaunchTemplates returns a page. */
const EXTRA_TEMPLATES = 200;

function extraTemplate(n: number): ScenarioLaunchTemplate {
  return {
    id: `lt-${(0xe0000 + n).toString(16).padStart(17, '0')}`,
    name: `batch-${String(n).padStart(3, '0')}`,
    account: ACCOUNT,
    region: REGION,
    versions: [
      { versionNumber: 1, imageId: 'ami-0a1b2c3d4e5f60001' },
      { versionNumber: 2, default: true, imageId: 'ami-0a1b2c3d4e5f60001' },
      { versionNumber: 3, imageId: 'ami-0a1b2c3d4e5f60001' },
    ],
  };
}

/** The autoscaling scenario with tags on eks-nodes, 200 more templates, and a viewer who may not list templates. */
function scenario(): Scenario {
  const base = loadScenario('autoscaling');
  const templates = (base.launchTemplates ?? []).map((t) =>
    t.id === LAUNCH_TEMPLATE_ID ? Object.assign({ ...t }, { tags: { team: 'platform' } }) : t,
  );
  for (let n = 0; n < EXTRA_TEMPLATES; n++) templates.push(extraTemplate(n));
  const viewer = {
    name: VIEWER,
    account: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/viewer`,
    accessKeyId: 'AKIATEMPLATEVIEWER01',
    secretAccessKey: 'templateViewerSecret00000000000000000000',
    region: REGION,
    policies: [
      allowing('launch-sources', ['ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeImages', 'ec2:DescribeSnapshots']),
    ],
  };
  return { ...base, launchTemplates: templates, principals: [...base.principals, viewer] };
}

describe('launch templates for the readiness pick (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const world = useLaunchWorld('launch-templates', scenario);

  /** DescribeLaunchTemplates as `profile`, straight through the session. */
  function ask(input: DescribeLaunchTemplatesCommandInput, profile = ADMIN) {
    return world.session.send(
      'EC2',
      profile,
      REGION,
      new DescribeLaunchTemplatesCommand(input),
      'ec2:DescribeLaunchTemplates',
    );
  }

  function failure<T>(outcome: { ok: true; value: T } | { ok: false; error: AwsFailure }): AwsFailure {
    if (outcome.ok) assert.fail('the call should have failed');
    return outcome.error;
  }

  it('lists every template of the region, eks-nodes with its default and latest versions, over two pages', async () => {
    const before = world.emulator.callCount({ service: 'ec2', action: 'DescribeLaunchTemplates', principal: ADMIN });
    const templates = value(await describeLaunchTemplates(world.session, ADMIN, REGION));
    assert.equal(templates.length, EXTRA_TEMPLATES + 1);
    assert.equal(new Set(templates.map((t) => t.id)).size, templates.length, 'no template twice');
    assert.deepEqual(
      templates.find((t) => t.id === LAUNCH_TEMPLATE_ID),
      { id: LAUNCH_TEMPLATE_ID, name: 'eks-nodes', defaultVersion: 2, latestVersion: 2 },
    );
    assert.deepEqual(
      templates.find((t) => t.name === 'batch-199'),
      {
        id: extraTemplate(199).id,
        name: 'batch-199',
        defaultVersion: 2,
        latestVersion: 3,
      },
    );
    assert.equal(
      world.emulator.callCount({ service: 'ec2', action: 'DescribeLaunchTemplates', principal: ADMIN }) - before,
      2,
      '200 a page: two requests',
    );
  });

  it('answers the fields of the model, and pages of the size asked with a NextToken that continues', async () => {
    const first = value(await ask({ LaunchTemplateIds: [LAUNCH_TEMPLATE_ID] }));
    const [template] = first.LaunchTemplates ?? [];
    assert.ok(template);
    assert.equal(template.LaunchTemplateId, LAUNCH_TEMPLATE_ID);
    assert.equal(template.LaunchTemplateName, 'eks-nodes');
    assert.equal(template.DefaultVersionNumber, 2);
    assert.equal(template.LatestVersionNumber, 2);
    assert.equal(template.CreatedBy, `arn:aws:iam::${ACCOUNT}:root`);
    assert.ok(template.CreateTime instanceof Date && !Number.isNaN(template.CreateTime.getTime()));
    assert.deepEqual(template.Tags, [{ Key: 'team', Value: 'platform' }]);
    assert.equal(first.NextToken, undefined);

    const names = ['batch-000', 'batch-001', 'batch-002'];
    const page1 = value(await ask({ LaunchTemplateNames: names, MaxResults: 2 }));
    assert.deepEqual(
      page1.LaunchTemplates?.map((t) => t.LaunchTemplateName),
      ['batch-000', 'batch-001'],
    );
    assert.ok(page1.NextToken, 'a token for the rest');
    assert.equal(page1.LaunchTemplates?.[0]?.Tags, undefined, 'no tags, no tagSet');
    const page2 = value(await ask({ LaunchTemplateNames: names, MaxResults: 2, NextToken: page1.NextToken }));
    assert.deepEqual(
      page2.LaunchTemplates?.map((t) => t.LaunchTemplateName),
      ['batch-002'],
    );
    assert.equal(page2.NextToken, undefined);
  });

  it('refuses a page size outside 1 to 200, and a token from another question', async () => {
    for (const MaxResults of [0, 201]) {
      const error = failure(await ask({ MaxResults }));
      assert.equal(error.code, 'InvalidParameterValue', `MaxResults ${MaxResults}`);
    }
    const page = value(await ask({ MaxResults: 1 }));
    assert.ok(page.NextToken);
    const error = failure(await ask({ LaunchTemplateNames: ['batch-000'], NextToken: page.NextToken }));
    assert.equal(error.code, 'InvalidParameterValue');
  });

  it('says which launch template is unknown, by id or by name, as EC2 does', async () => {
    const unknownId = 'lt-0000000000000dead';
    const byId = failure(await ask({ LaunchTemplateIds: [LAUNCH_TEMPLATE_ID, unknownId] }));
    assert.equal(byId.kind, 'not-found');
    assert.equal(byId.code, 'InvalidLaunchTemplateId.NotFound');
    assert.match(byId.message, new RegExp(unknownId));
    const byName = failure(await ask({ LaunchTemplateNames: ['eks-nodes', 'no-such-template'] }));
    assert.equal(byName.kind, 'not-found');
    assert.equal(byName.code, 'InvalidLaunchTemplateName.NotFoundException');
    const malformed = failure(await ask({ LaunchTemplateIds: ['eks-nodes'] }));
    assert.equal(malformed.code, 'InvalidLaunchTemplateId.Malformed');
  });

  it('hands a caller without ec2:DescribeLaunchTemplates an access-denied failure naming the action', async () => {
    const error = failure(await describeLaunchTemplates(world.session, VIEWER, REGION));
    assert.equal(error.kind, 'access-denied', error.message);
    assert.equal(error.action, 'ec2:DescribeLaunchTemplates');
    assert.match(error.nextStep, /ec2:DescribeLaunchTemplates/);
  });
});
