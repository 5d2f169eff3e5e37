/**
 * `ec2-launch-doctor diagnose --instance ID [--profile P] [--region R] [--format text|json|markdown]`
 * Exit 0: a verdict was reached; 2: usage error, or the profile's credentials are missing or
 * expired (the report, if any, is still printed).
 */
import type * as AwsModule from '../aws';
import { diagnoseInstance, renderMarkdown, renderText, toJson } from '../core/diagnosis';
import { isInstanceId } from '../core/ids';

export interface DiagnoseIo {
  stdout(s: string): void;
  stderr(s: string): void;
  env: Record<string, string | undefined>;
}

export type DiagnoseFormat = 'text' | 'json' | 'markdown';

export interface DiagnoseArguments {
  instanceId: string;
  profile: string;
  region?: string;
  format: DiagnoseFormat;
}

export const DIAGNOSE_USAGE = 'usage: ec2-launch-doctor diagnose --instance ID [--profile P] [--region R] [--format text|json|markdown]';

const FORMATS: readonly DiagnoseFormat[] = ['text', 'json', 'markdown'];

/** Parses the arguments after `diagnose`; a string is a usage error to print. */
export function parseDiagnoseArguments(args: readonly string[], env: DiagnoseIo['env']): DiagnoseArguments | string {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) return `unexpected argument ${arg}`;
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!['instance', 'profile', 'region', 'format'].includes(name)) return `unknown option --${name}`;
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || value.startsWith('--')) return `--${name} needs a value`;
    values.set(name, value);
  }
  const instanceId = values.get('instance');
  if (!instanceId) return '--instance is required';
  if (!isInstanceId(instanceId)) return `not an instance id: ${instanceId}`;
  const format = (values.get('format') ?? 'text') as DiagnoseFormat;
  if (!FORMATS.includes(format)) return `--format must be one of ${FORMATS.join(', ')}`;
  return {
    instanceId,
    profile: values.get('profile') ?? env.AWS_PROFILE ?? 'default',
    region: values.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    format,
  };
}

/** Runs one diagnosis with the shared config files, as the AWS CLI would read them. */
export async function runDiagnose(args: string[], io: DiagnoseIo, aws: typeof AwsModule): Promise<number> {
  const parsed = parseDiagnoseArguments(args, io.env);
  if (typeof parsed === 'string') {
    io.stderr(`${parsed}\n${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  const session = new aws.AwsSession({});
  try {
    const profiles = await session.profiles().catch((error: unknown) => {
      io.stderr(`cannot read the AWS config files: ${error instanceof Error ? error.message : String(error)}\n`);
      return undefined;
    });
    if (!profiles) return 2;
    const profile = profiles.find((p) => p.name === parsed.profile);
    if (!profile && !io.env.AWS_ACCESS_KEY_ID) {
      io.stderr(`no profile named "${parsed.profile}" in the AWS config files\n`);
      return 2;
    }
    const region = parsed.region ?? profile?.region;
    if (!region) {
      io.stderr(`no region: pass --region, set AWS_REGION, or give profile "${parsed.profile}" a region\n${DIAGNOSE_USAGE}\n`);
      return 2;
    }
    const profilesByAccount = await session.profilesByAccount();
    const ports = aws.createDiagnosisPorts(session, parsed.profile, region);
    const report = await diagnoseInstance({ instanceId: parsed.instanceId, profile: parsed.profile, region, profilesByAccount }, ports);
    const output =
      parsed.format === 'json' ? JSON.stringify(toJson(report), null, 2) + '\n' : parsed.format === 'markdown' ? renderMarkdown(report) + '\n' : renderText(report) + '\n';
    io.stdout(output);
    // Without a readable instance there is no verdict; missing or expired credentials are the
    // person's to fix, so they count as a usage-level failure.
    const instanceStep = report.steps.find((s) => s.id === 'instance-state');
    if (instanceStep?.failureKind === 'expired-credentials' || instanceStep?.failureKind === 'no-credentials') {
      io.stderr(`the credentials of profile "${parsed.profile}" are ${instanceStep.failureKind === 'no-credentials' ? 'missing' : 'expired'}: ${instanceStep.nextStep ?? ''}\n`);
      return 2;
    }
    return 0;
  } finally {
    session.dispose();
  }
}
