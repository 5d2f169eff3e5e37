/**
 * The local AWS emulator: EC2, KMS, STS, IAM and CloudTrail over their real wire protocols
 * on one loopback port, driven by a scenario. Tests, benchmarks and the demo start here.
 */
export { startEmulator, type CallCount, type Emulator, type EmulatorOptions } from './server';
export { writeAwsConfig, EXTRA_PROFILES, SSO_SESSION_NAME, type AwsConfigFiles } from './awsConfig';
export { loadScenario, validateScenario, keyArnOf, callerArnOf, uniqueIdOf } from './scenario';
export type * from './scenario';
export type { FaultRule, ForcedError } from './faults';
export {
  ScenarioBuilder,
  adminPolicy,
  allowPolicy,
  createGrantFailedEvent,
  createGrantFixStatement,
  delegationStatement,
  EC2_FRONT_END,
  keyPolicy,
  startInstancesEvent,
  trailUserIdentity,
  type BulkInstanceOptions,
} from './builder';
export { LAUNCH_FAILURE, USER_SHUTDOWN } from './services/ec2';
export { KEY_POLICY_MAX_BYTES } from './services/kms';
export { LOOKUP_EVENTS_PER_SECOND } from './services/cloudtrail';
export type { World, InstanceRecord, KeyRecord, VolumeRecord, TrailRecord } from './state';
