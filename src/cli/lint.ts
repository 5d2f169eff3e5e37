/**
 * `ec2-launch-doctor lint [--principal ARN]... [--region REGION] [--format text|json|sarif] FILE...`
 * Exit 0: no error-severity finding; 1: at least one; 2: usage error or unreadable file
 * (reported on stderr, the other files are still linted).
 */
import { analyzePolicyText, formatJson, formatSarif, formatText, type LintedFile } from '../core/policy';

export interface LintIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
}

export type LintFormat = 'text' | 'json' | 'sarif';

export interface LintArguments {
  principals: string[];
  region?: string;
  format: LintFormat;
  files: string[];
}

export const LINT_USAGE = 'usage: ec2-launch-doctor lint [--principal ARN]... [--region REGION] [--format text|json|sarif] FILE...';

const PRINCIPAL_PATTERN = /^(\d{12}|arn:aws[a-z-]*:(iam|sts)::\d{12}:.+)$/;
const FORMATS: readonly LintFormat[] = ['text', 'json', 'sarif'];

/** Parses the arguments after `lint`; a string is a usage error to print. */
export function parseLintArguments(args: readonly string[]): LintArguments | string {
  const parsed: LintArguments = { principals: [], format: 'text', files: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      parsed.files.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      parsed.files.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (name !== '--principal' && name !== '--format' && name !== '--region') return `unknown option ${name}`;
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) return `${name} needs a value`;
      i++;
    }
    if (name === '--principal') {
      if (!PRINCIPAL_PATTERN.test(value)) return `--principal expects an IAM user, role, assumed-role session or account ARN, got "${value}"`;
      parsed.principals.push(value);
    } else if (name === '--format') {
      if (!(FORMATS as readonly string[]).includes(value)) return `--format must be one of ${FORMATS.join(', ')}, got "${value}"`;
      parsed.format = value as LintFormat;
    } else {
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value)) return `--region expects a Region such as eu-west-1, got "${value}"`;
      parsed.region = value;
    }
  }
  if (parsed.files.length === 0) return 'no FILE given';
  return parsed;
}

function describeReadError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = String((error as { code: unknown }).code);
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EISDIR') return 'is a directory';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return code;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs `lint` with the given arguments; returns the exit code. */
export async function runLint(args: string[], io: LintIo): Promise<number> {
  const parsed = parseLintArguments(args);
  if (typeof parsed === 'string') {
    io.stderr(`ec2-launch-doctor lint: ${parsed}\n${LINT_USAGE}\n`);
    return 2;
  }
  const linted: LintedFile[] = [];
  let unreadable = false;
  for (const path of parsed.files) {
    let text: string;
    try {
      text = await io.readFile(path);
    } catch (error) {
      unreadable = true;
      io.stderr(`ec2-launch-doctor lint: cannot read ${path}: ${describeReadError(error)}\n`);
      continue;
    }
    const { kind, findings } = analyzePolicyText(text, { principals: parsed.principals, region: parsed.region });
    linted.push({ path, text, kind, findings });
  }
  if (parsed.format === 'json') io.stdout(`${JSON.stringify(formatJson(linted), null, 2)}\n`);
  else if (parsed.format === 'sarif') io.stdout(`${JSON.stringify(formatSarif(linted), null, 2)}\n`);
  else {
    const lines = formatText(linted);
    if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
  }
  if (unreadable) return 2;
  return linted.some((f) => f.findings.some((x) => x.severity === 'error')) ? 1 : 0;
}
