/**
 * Partitions and the regions that stand for them. Regions of the China and GovCloud
 * partitions carry their own prefixes; every other region is in the standard `aws`
 * partition (AWS General Reference, "Regions and endpoints").
 */
import { DEFAULT_REGION } from '../core/model';

export { DEFAULT_REGION } from '../core/model';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** Region prefix -> partition, checked in order; no match is the standard partition. */
const PARTITION_BY_PREFIX: readonly (readonly [prefix: string, partition: Partition])[] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
];

/**
 * IAM is one global service per partition, signed for one region of it: us-east-1 for
 * `aws`, cn-north-1 for `aws-cn`, us-gov-west-1 for `aws-us-gov` (IAM endpoints and quotas).
 */
const IAM_REGION: Record<Partition, string> = {
  aws: DEFAULT_REGION,
  'aws-cn': 'cn-north-1',
  'aws-us-gov': 'us-gov-west-1',
};

/** The partition a region belongs to. */
export function partitionOfRegion(region: string): Partition {
  return PARTITION_BY_PREFIX.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/** Where IAM calls about `region` go: the IAM region of that region's partition. */
export function iamRegionFor(region: string): string {
  return IAM_REGION[partitionOfRegion(region)];
}
