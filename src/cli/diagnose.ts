/**
 * `ec2-launch-doctor diagnose --instance ID | --auto-scaling-group NAME [--profile P] [--region R] [--format text|json|markdown] [--timeout S]`
 * Exit codes: see EXIT (0 only with a verdict). The report, when there is one, is printed
 * whatever the exit code.
 */
import { parseArgs } from 'node:util';
import type * as AwsModule from '../aws';
import {
  diagnoseAutoScalingGroup,
  diagnoseInstance,
  jsonText,
  renderMarkdown,
  renderText,
  type AnyReport,
} from '../core/diagnosis';
import { oneLine } from '../core/diagnosis/escape';
import { isInstanceId } from '../core/ids';

export interface DiagnoseIo {
  stdout(s: string): void;
  stderr(s: string): void;
  env: Record<string, string | undefined>;
}

export type DiagnoseFormat = 'text' | 'json' | 'markdown';

/** What to diagnose: an instance, or an Auto Scaling group. */
export type DiagnoseTarget =
  { instanceId: string; autoScalingGroup?: undefined } | { autoScalingGroup: string; instanceId?: undefined };

export type DiagnoseArguments = DiagnoseTarget & {
  profile: string;
  region?: string;
  format: DiagnoseFormat;
  /** Seconds each AWS call may take (`--timeout`); the session's default when absent. */
  timeoutSeconds?: number;
};

/** The exit codes of `diagnose`. Only a verdict is success. */
export const EXIT = {
  /** A verdict was reached. */
  verdict: 0,
  /** Usage error, unreadable config, or the profile's credentials are missing or expired. */
  usage: 2,
  /** No verdict: AWS could not be reached, every call was throttled or timed out, or the evidence ran out. */
  noVerdict: 3,
} as const;

export const DIAGNOSE_USAGE =
  'usage: ec2-launch-doctor diagnose --instance ID | --auto-scaling-group NAME [--profile P] [--region R] [--format text|json|markdown] [--timeout S]';

/** What `diagnose --help` prints. */
export const DIAGNOSE_HELP = `${DIAGNOSE_USAGE}

Finds out why an EC2 instance stopped, or why an Auto Scaling group fails to launch, with
read-only AWS calls and the shared AWS config files.

options:
  --instance ID    the instance (i-...)
  --auto-scaling-group NAME
                   the Auto Scaling group (an EKS managed node group is one), instead of --instance
  --profile P      the profile of the shared config files (default: AWS_PROFILE, else default)
  --region R       the instance's region (default: AWS_REGION, AWS_DEFAULT_REGION, else the profile's)
  --format F       text (default), json or markdown
  --timeout S      seconds each AWS call may take before it counts as unanswered (default 60)
  -h, --help       print this text

exit codes:
  ${EXIT.verdict}  a verdict was reached
  ${EXIT.usage}  usage error, or the profile's credentials are missing or expired
  ${EXIT.noVerdict}  no verdict: AWS could not be reached, every call was throttled or timed out,
     or there was not enough evidence (the report says which checks could not run)
`;

/** The longest `--timeout`, in seconds: beyond an hour a call is not coming back. */
const MAX_TIMEOUT_SECONDS = 3600;

const FORMATS: readonly DiagnoseFormat[] = ['text', 'json', 'markdown'];

const OPTIONS = {
  instance: { type: 'string' },
  'auto-scaling-group': { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
  format: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--help` was asked: print the help, nothing else. */
export interface DiagnoseHelp {
  help: true;
}

/** The usage error of a `parseArgs` failure, in the words of this CLI. */
function describeParseError(error: unknown, args: readonly string[]): string {
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const named = /'([^']+)'/.exec(message)?.[1] ?? args.find((a) => a.startsWith('-')) ?? '';
      return `unknown option ${named.split('=')[0]}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${/'(--?[a-z]+)/.exec(message)?.[1] ?? 'an option'} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trim();
    default:
      return message;
  }
}

/** Parses the arguments after `diagnose`; a string is a usage error to print. */
export function parseDiagnoseArguments(
  args: readonly string[],
  env: DiagnoseIo['env'],
): DiagnoseArguments | DiagnoseHelp | string {
  let values: {
    instance?: string;
    'auto-scaling-group'?: string;
    profile?: string;
    region?: string;
    format?: string;
    timeout?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    // parseArgs quotes the offending argument: it may hold a line break or a terminal escape.
    return oneLine(describeParseError(error, args));
  }
  if (values.help) return { help: true };
  for (const name of ['instance', 'auto-scaling-group', 'profile', 'region', 'format', 'timeout'] as const) {
    if (values[name] === '') return `--${name} needs a value`;
  }
  const instanceId = values.instance;
  const groupName = values['auto-scaling-group'];
  if (instanceId && groupName) return 'pass --instance or --auto-scaling-group, not both';
  if (!instanceId && !groupName) return '--instance is required (or --auto-scaling-group for a group)';
  if (instanceId && !isInstanceId(instanceId)) return `not an instance id: ${oneLine(instanceId)}`;
  // Auto Scaling group names are 1 to 255 characters; a control character is never one.
  if (
    groupName &&
    (groupName.length > 255 || [...groupName].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
  )
    return 'not an Auto Scaling group name';
  const format = FORMATS.find((f) => f === (values.format ?? 'text'));
  if (!format) return `--format must be one of ${FORMATS.join(', ')}`;
  const target: DiagnoseTarget = instanceId ? { instanceId } : { autoScalingGroup: groupName ?? '' };
  const parsed: DiagnoseArguments = {
    ...target,
    profile: values.profile ?? env.AWS_PROFILE ?? 'default',
    region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    format,
  };
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!/^\d+(\.\d+)?$/.test(values.timeout) || !(seconds > 0) || seconds > MAX_TIMEOUT_SECONDS) {
      return `--timeout expects seconds between 0 and ${MAX_TIMEOUT_SECONDS}, got "${oneLine(values.timeout)}"`;
    }
    parsed.timeoutSeconds = seconds;
  }
  return parsed;
}

/** Failure kinds of the instance check that mean AWS itself could not be heard. */
const UNREACHED: ReadonlySet<string> = new Set(['network', 'timeout', 'throttled']);

/**
 * The exit code for a finished diagnosis and the line that explains it on stderr. Missing
 * or expired credentials are the person's to fix, as a usage error is; without a verdict
 * (the instance could not be read, or the checks that ran did not settle it) the run failed.
 */
export function exitOf(report: AnyReport, profile: string): { code: number; message?: string } {
  // The first step reads the subject (the instance, or the group): its failure says why nothing else ran.
  const instanceStep = report.steps.find((s) => s.id === 'instance-state' || s.id === 'auto-scaling-group');
  const kind = instanceStep?.failureKind;
  // An instance id that names no instance is the person's to fix, as a usage error is.
  if (kind === 'not-found' && instanceStep?.id === 'instance-state') {
    return { code: EXIT.usage, message: `not found: ${instanceStep.summary} ${instanceStep.nextStep ?? ''}`.trim() };
  }
  if (kind === 'expired-credentials' || kind === 'no-credentials') {
    const state = kind === 'no-credentials' ? 'missing' : 'expired';
    return {
      code: EXIT.usage,
      message: `the credentials of profile "${profile}" are ${state}: ${instanceStep?.nextStep ?? ''}`,
    };
  }
  if (report.verdict.code !== 'unknown') return { code: EXIT.verdict };
  if (kind && UNREACHED.has(kind)) {
    return {
      code: EXIT.noVerdict,
      message: `no verdict: AWS could not be reached (${kind}): ${instanceStep?.nextStep ?? ''}`,
    };
  }
  return { code: EXIT.noVerdict, message: `no verdict: ${report.verdict.summary}` };
}

/** Runs one diagnosis with the shared config files, as the AWS CLI would read them. */
export async function runDiagnose(args: string[], io: DiagnoseIo, aws: typeof AwsModule): Promise<number> {
  const parsed = parseDiagnoseArguments(args, io.env);
  if (typeof parsed === 'string') {
    io.stderr(`${parsed}\n${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  if ('help' in parsed) {
    io.stdout(DIAGNOSE_HELP);
    return 0;
  }
  const session = new aws.AwsSession(sessionOptions(parsed));
  try {
    const profiles = await session.profiles().catch((error: unknown) => {
      io.stderr(
        `cannot read the AWS config files: ${oneLine(aws.redactSecrets(error instanceof Error ? error.message : String(error)))}\n`,
      );
      return undefined;
    });
    if (!profiles) return 2;
    const profile = profiles.find((p) => p.name === parsed.profile);
    if (!profile && !io.env.AWS_ACCESS_KEY_ID) {
      // Without --profile the default was guessed: the profiles that exist are the way on.
      const names = profiles.map((p) => p.name);
      const known = names.length > 0 ? `; the profiles are: ${names.join(', ')} (pass --profile NAME)` : '';
      io.stderr(`${oneLine(`no profile named "${parsed.profile}" in the AWS config files${known}`)}\n`);
      return 2;
    }
    const region = parsed.region ?? profile?.region;
    if (!region) {
      io.stderr(
        `no region: pass --region, set AWS_REGION, or give profile "${oneLine(parsed.profile)}" a region\n${DIAGNOSE_USAGE}\n`,
      );
      return 2;
    }
    const profilesByAccount = await session.profilesByAccount();
    const ports = aws.createDiagnosisPorts(session, parsed.profile, region);
    const report =
      parsed.autoScalingGroup !== undefined
        ? await diagnoseAutoScalingGroup(
            { groupName: parsed.autoScalingGroup, profile: parsed.profile, region, profilesByAccount },
            ports,
          )
        : await diagnoseInstance(
            { instanceId: parsed.instanceId, profile: parsed.profile, region, profilesByAccount },
            ports,
          );
    const output =
      parsed.format === 'json'
        ? jsonText(report) + '\n'
        : parsed.format === 'markdown'
          ? renderMarkdown(report) + '\n'
          : renderText(report) + '\n';
    io.stdout(output);
    const exit = exitOf(report, parsed.profile);
    // The summary and next step may carry AWS's own message and the names the person gave.
    if (exit.message) io.stderr(`${oneLine(exit.message)}\n`);
    return exit.code;
  } finally {
    session.dispose();
  }
}

/** `--timeout` bounds each call (the session keeps every attempt within it). */
function sessionOptions(parsed: DiagnoseArguments): AwsModule.AwsSessionOptions {
  return parsed.timeoutSeconds === undefined ? {} : { callTimeoutMs: Math.round(parsed.timeoutSeconds * 1000) };
}
