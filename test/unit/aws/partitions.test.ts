/**
 * IAM is global per partition: its calls go to the partition's IAM region, whichever region
 * of that partition is being looked at.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REGION, iamRegionFor, partitionOfRegion } from '../../../src/aws/partitions';
import { AwsSession } from '../../../src/aws/session';

describe('partitions', () => {
  const cases: [region: string, partition: string, iamRegion: string][] = [
    ['eu-west-1', 'aws', 'us-east-1'],
    ['us-east-1', 'aws', 'us-east-1'],
    ['ap-southeast-2', 'aws', 'us-east-1'],
    ['cn-north-1', 'aws-cn', 'cn-north-1'],
    ['cn-northwest-1', 'aws-cn', 'cn-north-1'],
    ['us-gov-west-1', 'aws-us-gov', 'us-gov-west-1'],
    ['us-gov-east-1', 'aws-us-gov', 'us-gov-west-1'],
  ];
  for (const [region, partition, iamRegion] of cases) {
    it(`${region} is in ${partition}, whose IAM region is ${iamRegion}`, () => {
      assert.equal(partitionOfRegion(region), partition);
      assert.equal(iamRegionFor(region), iamRegion);
    });
  }

  it('has one default region, in the standard partition', () => {
    assert.equal(DEFAULT_REGION, 'us-east-1');
    assert.equal(partitionOfRegion(DEFAULT_REGION), 'aws');
  });
});

describe('AwsSession IAM clients', () => {
  let dir: string;
  let session: AwsSession;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eld-partitions-'));
    writeFileSync(join(dir, 'config'), '[profile p]\nregion = eu-west-1\n');
    writeFileSync(
      join(dir, 'credentials'),
      '[p]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = not-a-real-secret\n',
    );
    session = new AwsSession({ configFile: join(dir, 'config'), credentialsFile: join(dir, 'credentials') });
  });
  after(() => {
    session.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const regions: [region: string, iamRegion: string][] = [
    ['eu-west-1', 'us-east-1'],
    ['cn-northwest-1', 'cn-north-1'],
    ['us-gov-east-1', 'us-gov-west-1'],
  ];
  for (const [region, iamRegion] of regions) {
    it(`signs IAM calls about ${region} for ${iamRegion}`, async () => {
      const iam = await session.client('IAM', 'p', region);
      assert.equal(await iam.config.region(), iamRegion);
      const ec2 = await session.client('EC2', 'p', region);
      assert.equal(await ec2.config.region(), region, 'regional services keep the region');
    });
  }

  it('shares one IAM client per partition', async () => {
    const [a, b, c] = await Promise.all([
      session.client('IAM', 'p', 'eu-west-1'),
      session.client('IAM', 'p', 'ap-south-1'),
      session.client('IAM', 'p', 'cn-north-1'),
    ]);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });
});
