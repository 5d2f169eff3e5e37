/**
 * The argument of the readiness command, as report links, tests and the palette pass it:
 * `{ profile, region }` and exactly one subject. Pure. A link's object is untrusted data, so
 * reading it back checks every field instead of trusting its shape.
 */
import type { LaunchTemplateRef } from '../model';
import type { LaunchSubject } from './predict';

/**
 * What the readiness command takes as its one argument (from a report link, a test, or the
 * palette): where, and exactly one subject.
 */
export type ReadinessArgs = { profile: string; region: string } & (
  | { groupName: string; instanceId?: undefined; launchTemplate?: undefined }
  | { instanceId: string; groupName?: undefined; launchTemplate?: undefined }
  | { launchTemplate: LaunchTemplateRef; groupName?: undefined; instanceId?: undefined }
);

/** The subject of a prediction as the command links name it. */
export function readinessArgsOf(subject: LaunchSubject, where: { profile: string; region: string }): ReadinessArgs {
  switch (subject.kind) {
    case 'auto-scaling-group':
      return { ...where, groupName: subject.groupName };
    case 'stopped-instance':
      return { ...where, instanceId: subject.instanceId };
    case 'launch-template':
      return { ...where, launchTemplate: subject.template };
  }
}

/**
 * The subject a command argument names (a link's object, read as untrusted data), or
 * undefined when it names none or more than one.
 */
export function subjectOfArgs(args: {
  groupName?: unknown;
  instanceId?: unknown;
  launchTemplate?: unknown;
}): LaunchSubject | undefined {
  const named = [args.groupName, args.instanceId, args.launchTemplate].filter((v) => v !== undefined);
  if (named.length !== 1) return undefined;
  if (typeof args.groupName === 'string' && args.groupName)
    return { kind: 'auto-scaling-group', groupName: args.groupName };
  if (typeof args.instanceId === 'string' && args.instanceId)
    return { kind: 'stopped-instance', instanceId: args.instanceId };
  const t = args.launchTemplate as Record<string, unknown> | null | undefined;
  if (!t || typeof t !== 'object') return undefined;
  const template: LaunchTemplateRef = {};
  if (typeof t.id === 'string' && t.id) template.id = t.id;
  if (typeof t.name === 'string' && t.name) template.name = t.name;
  if (typeof t.version === 'string' && t.version) template.version = t.version;
  return template.id || template.name ? { kind: 'launch-template', template } : undefined;
}
