/**
 * `ec2-launch-doctor readiness (--auto-scaling-group NAME | --launch-template ID|NAME [--version V] | --instance-id ID)
 *  [--profile P] [--region R] [--format text|json|markdown | --json] [--timeout S]`
 * A prediction before launch: will the launching principal get its keys? Exit codes: see
 * EXIT. The prediction, when one was made, is printed whatever the exit code.
 */
import { parseArgs } from 'node:util';
import type * as AwsModule from '../aws/bundle';
import {
  notStartable,
  predictLaunch,
  readinessJson,
  readinessMarkdown,
  readinessText,
  subjectName,
  type LaunchPrediction,
  type LaunchSubject,
  type PredictedOutcome,
} from '../core/diagnosis';
import { inertJson, oneLine } from '../core/diagnosis/escape';
import { TERMINATED_GONE } from '../core/diagnosis/messages';
import { isInstanceId } from '../core/ids';
import type { AwsFailure } from '../core/model';
import type { DiagnoseFormat, DiagnoseIo } from './diagnose';

/**
 * The exit codes of `readiness`: one per outcome, and `diagnose`'s 2 for what the person must
 * fix first (usage, credentials, a subject that does not exist).
 */
export const EXIT = {
  willLaunch: 0,
  willFail: 1,
  usage: 2,
  unknown: 3,
} as const;

const EXIT_OF: Record<PredictedOutcome, number> = {
  'will-launch': EXIT.willLaunch,
  'will-fail': EXIT.willFail,
  unknown: EXIT.unknown,
};

export const READINESS_USAGE =
  'usage: ec2-launch-doctor readiness --auto-scaling-group NAME | --launch-template ID|NAME [--version V] | --instance-id ID [--profile P] [--region R] [--format text|json|markdown] [--json] [--timeout S]';

export const READINESS_HELP = `${READINESS_USAGE}

Predicts, before anything launches, whether the launching principal will get the KMS grant
EC2 needs for the encrypted volumes: from the key states, the key policies and the IAM
simulation, with read-only AWS calls (no CloudTrail). A prediction, not a diagnosis.

options:
  --auto-scaling-group NAME
                   the group; it launches as its service-linked role
  --launch-template ID|NAME
                   the launch template (lt-... is an id, anything else a name), launched by the profile
  --version V      the template's version: a number, $Latest or $Default (default: $Default)
  --instance-id ID the stopped instance (i-...), started by the profile (--instance is the same)
  --profile P      the profile of the shared config files (default: AWS_PROFILE, else default)
  --region R       the region (default: AWS_REGION, AWS_DEFAULT_REGION, else the profile's)
  --format F       text (default), json or markdown; --json is --format json
  --timeout S      seconds each AWS call may take before it counts as unanswered (default 60)
  -h, --help       print this text

exit codes:
  ${EXIT.willLaunch}  prediction: will launch
  ${EXIT.willFail}  prediction: will fail (the output has the verdict code and the fix)
  ${EXIT.usage}  usage error, missing or expired credentials, a group, template or instance that does not exist,
     or an instance that is not stopped
  ${EXIT.unknown}  cannot tell: something that decides the launch could not be read (the output says what)
`;

export type ReadinessArguments = {
  subject: LaunchSubject;
  profile: string;
  region?: string;
  format: DiagnoseFormat;
  timeoutSeconds?: number;
};

const OPTIONS = {
  'auto-scaling-group': { type: 'string' },
  'launch-template': { type: 'string' },
  version: { type: 'string' },
  'instance-id': { type: 'string' },
  instance: { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS: readonly DiagnoseFormat[] = ['text', 'json', 'markdown'];
const MAX_TIMEOUT_SECONDS = 3600;
/** A launch template id, as EC2 prints them. */
const TEMPLATE_ID = /^lt-[0-9a-f]{8,17}$/;
/** A launch template version: a number, or one of the two names EC2 resolves. */
const TEMPLATE_VERSION = /^(\d{1,5}|\$Latest|\$Default)$/;

function hasControl(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

function parseError(error: unknown): string {
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${(/'([^']+)'/.exec(message)?.[1] ?? '').split('=')[0]}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${/'(--?[a-z-]+)/.exec(message)?.[1] ?? 'an option'} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trim();
    default:
      return message;
  }
}

/** Parses the arguments after `readiness`; a string is a usage error to print. */
export function parseReadinessArguments(
  args: readonly string[],
  env: DiagnoseIo['env'],
): ReadinessArguments | { help: true } | string {
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    // parseArgs quotes the offending argument: it may hold a line break or a terminal escape.
    return oneLine(parseError(error));
  }
  if (values.help) return { help: true };
  const text = (name: keyof typeof OPTIONS): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  for (const name of Object.keys(OPTIONS) as (keyof typeof OPTIONS)[])
    if (text(name) === '') return `--${name} needs a value`;
  const group = text('auto-scaling-group');
  const template = text('launch-template');
  const instanceId = text('instance-id') ?? text('instance');
  if (text('instance-id') && text('instance')) return 'pass --instance-id or --instance, not both';
  const named = [group, template, instanceId].filter((v) => v !== undefined);
  if (named.length === 0) return 'name what launches: --auto-scaling-group, --launch-template or --instance-id';
  if (named.length > 1) return 'pass one of --auto-scaling-group, --launch-template and --instance-id';
  const version = text('version');
  if (version !== undefined && template === undefined) return '--version goes with --launch-template';
  let subject: LaunchSubject;
  if (group !== undefined) {
    // Auto Scaling group names are 1 to 255 characters; a control character is never one.
    if (group.length > 255 || hasControl(group)) return 'not an Auto Scaling group name';
    subject = { kind: 'auto-scaling-group', groupName: group };
  } else if (template !== undefined) {
    // Launch template names are 3 to 128 characters of letters, digits and ( ) . / _ -.
    if (!TEMPLATE_ID.test(template) && !/^[\w()./-]{3,128}$/.test(template))
      return `not a launch template id or name: ${oneLine(template)}`;
    if (version !== undefined && !TEMPLATE_VERSION.test(version))
      return `--version is a number, $Latest or $Default, got "${oneLine(version)}"`;
    const ref = TEMPLATE_ID.test(template) ? { id: template } : { name: template };
    subject = { kind: 'launch-template', template: { ...ref, version: version ?? '$Default' } };
  } else {
    if (!instanceId || !isInstanceId(instanceId)) return `not an instance id: ${oneLine(instanceId ?? '')}`;
    subject = { kind: 'stopped-instance', instanceId };
  }
  if (values.json && text('format') && text('format') !== 'json') return 'pass --json or --format, not both';
  const format = values.json ? 'json' : FORMATS.find((f) => f === (text('format') ?? 'text'));
  if (!format) return `--format must be one of ${FORMATS.join(', ')}`;
  const parsed: ReadinessArguments = {
    subject,
    profile: text('profile') ?? env.AWS_PROFILE ?? 'default',
    region: text('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    format,
  };
  const timeout = text('timeout');
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    if (!/^\d+(\.\d+)?$/.test(timeout) || !(seconds > 0) || seconds > MAX_TIMEOUT_SECONDS)
      return `--timeout expects seconds between 0 and ${MAX_TIMEOUT_SECONDS}, got "${oneLine(timeout)}"`;
    parsed.timeoutSeconds = seconds;
  }
  return parsed;
}

/** The AWS layer as `readiness` uses it: the session, the ports, and the subject's own reads. */
export type ReadinessAws = Pick<
  typeof AwsModule,
  | 'AwsSession'
  | 'createDiagnosisPorts'
  | 'redactSecrets'
  | 'listAutoScalingGroups'
  | 'describeLaunchTemplateVersions'
  | 'describeInstance'
>;

/**
 * Reads the subject once before predicting, so that a subject that does not exist, an
 * instance that is not stopped (only a stopped one can be started), or credentials that do not
 * work, end as exit 2 with a clear message instead of a "cannot tell". Any other failure is
 * left to the prediction, which lists it as unread.
 */
async function checkSubject(
  aws: ReadinessAws,
  session: AwsModule.AwsSession,
  parsed: ReadinessArguments,
  region: string,
): Promise<string | undefined> {
  const { subject, profile } = parsed;
  const name = subjectName(subject);
  const failed = (error: AwsFailure): string | undefined => {
    if (error.kind === 'expired-credentials' || error.kind === 'no-credentials')
      return `the credentials of profile "${profile}" are ${error.kind === 'no-credentials' ? 'missing' : 'expired'}: ${error.nextStep}`;
    // EC2's InvalidLaunchTemplateId.VersionNotFound does not end in NotFound, but is one.
    if (error.kind === 'not-found' || /NotFound/.test(error.code ?? ''))
      return `not found: ${name} in ${region}: ${error.message}`;
    return undefined;
  };
  switch (subject.kind) {
    case 'auto-scaling-group': {
      const groups = await aws.listAutoScalingGroups(session, profile, region, {}, [subject.groupName]);
      if (!groups.ok) return failed(groups.error);
      return groups.value.some((g) => g.name === subject.groupName)
        ? undefined
        : `not found: no Auto Scaling group named ${subject.groupName} in ${region}`;
    }
    case 'launch-template': {
      const versions = await aws.describeLaunchTemplateVersions(session, profile, region, subject.template);
      if (!versions.ok) return failed(versions.error);
      return versions.value.length > 0 ? undefined : `not found: ${name} in ${region}`;
    }
    case 'stopped-instance': {
      const instance = await aws.describeInstance(session, profile, region, subject.instanceId);
      // Only a stopped instance can be started: any other state is the person's to change first.
      if (instance.ok) return notStartable(instance.value);
      const message = failed(instance.error);
      // An instance terminated at launch is gone within the hour: its group is what can be checked.
      return message?.startsWith('not found') ? `${message} ${TERMINATED_GONE}` : message;
    }
  }
}

/** Runs one prediction with the shared config files, as the AWS CLI would read them. */
export async function runReadiness(args: string[], io: DiagnoseIo, aws: ReadinessAws): Promise<number> {
  const parsed = parseReadinessArguments(args, io.env);
  if (typeof parsed === 'string') {
    io.stderr(`${parsed}\n${READINESS_USAGE}\n`);
    return EXIT.usage;
  }
  if ('help' in parsed) {
    io.stdout(READINESS_HELP);
    return 0;
  }
  const session = new aws.AwsSession(
    parsed.timeoutSeconds === undefined ? {} : { callTimeoutMs: Math.round(parsed.timeoutSeconds * 1000) },
  );
  try {
    const profiles = await session.profiles().catch((error: unknown) => {
      io.stderr(
        `cannot read the AWS config files: ${oneLine(aws.redactSecrets(error instanceof Error ? error.message : String(error)))}\n`,
      );
      return undefined;
    });
    if (!profiles) return EXIT.usage;
    const profile = profiles.find((p) => p.name === parsed.profile);
    if (!profile && !io.env.AWS_ACCESS_KEY_ID) {
      const names = profiles.map((p) => p.name);
      const known = names.length > 0 ? `; the profiles are: ${names.join(', ')} (pass --profile NAME)` : '';
      io.stderr(`${oneLine(`no profile named "${parsed.profile}" in the AWS config files${known}`)}\n`);
      return EXIT.usage;
    }
    const region = parsed.region ?? profile?.region;
    if (!region) {
      io.stderr(
        `no region: pass --region, set AWS_REGION, or give profile "${oneLine(parsed.profile)}" a region\n${READINESS_USAGE}\n`,
      );
      return EXIT.usage;
    }
    const refused = await checkSubject(aws, session, parsed, region);
    if (refused) {
      // The names the person gave and AWS's own message: neither may drive the terminal.
      io.stderr(`${oneLine(refused)}\n`);
      return EXIT.usage;
    }
    const profilesByAccount = await session.profilesByAccount();
    const ports = aws.createDiagnosisPorts(session, parsed.profile, region);
    const prediction = await predictLaunch(
      {
        subject: parsed.subject,
        profile: parsed.profile,
        region,
        profilesByAccount,
      },
      ports,
    );
    io.stdout(render(prediction, parsed, region) + '\n');
    if (prediction.outcome === 'unknown')
      io.stderr(`cannot tell: ${oneLine(prediction.unread.join(' ') || prediction.reason)}\n`);
    return EXIT_OF[prediction.outcome];
  } finally {
    session.dispose();
  }
}

function render(prediction: LaunchPrediction, parsed: ReadinessArguments, region: string): string {
  const context = { profile: parsed.profile, region, predictedAt: new Date().toISOString() };
  switch (parsed.format) {
    case 'json':
      return inertJson(readinessJson(prediction, context), 2);
    case 'markdown':
      return readinessMarkdown(prediction, context);
    case 'text':
      return readinessText(prediction, context);
  }
}
