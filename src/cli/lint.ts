/**
 * `ec2-launch-doctor lint [--principal ARN]... [--region REGION] [--format text|json|sarif] FILE...`
 * A FILE is a JSON policy or template (CDK output and Terraform plans included), a YAML
 * template (`.yaml`, `.yml`, `.template`) or a Terraform file (`.tf`).
 * Exit 0: no error-severity finding; 1: at least one; 2: usage error, unreadable file, a file
 * the analyzer could not analyze, or an internal error of the analyzer (reported, and the
 * other files are still linted).
 */
import { parseArgs } from 'node:util';
import { isAccountId, parseArn, parseKeyArn } from '../core/arn';
import { formatJson, formatSarif, formatText, type LintedFile } from '../core/policy';
import { analyzeSource, sourceFormatOf } from '../core/policy/formats';

export interface LintIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** The file's bytes (decoded here, as an editor would), or text already decoded. */
  readFile(path: string): Promise<Uint8Array | string>;
}

export type LintFormat = 'text' | 'json' | 'sarif';

export interface LintArguments {
  principals: string[];
  region?: string;
  /** The account of `--key-arn`: the key's owner, instead of the one the policy suggests. */
  keyAccount?: string;
  format: LintFormat;
  files: string[];
  help?: boolean;
}

export const LINT_USAGE =
  'usage: ec2-launch-doctor lint [--principal ARN]... [--region REGION] [--key-arn ARN] [--format text|json|sarif] FILE...';

const FORMATS: readonly LintFormat[] = ['text', 'json', 'sarif'];

const OPTIONS = {
  principal: { type: 'string', multiple: true },
  region: { type: 'string' },
  'key-arn': { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** An IAM user, role, assumed-role session or account root ARN, or a bare account id. */
function isPrincipalArgument(value: string): boolean {
  if (isAccountId(value)) return true;
  const arn = parseArn(value);
  return (
    arn !== undefined &&
    value === value.trim() &&
    arn.partition.startsWith('aws') &&
    (arn.service === 'iam' || arn.service === 'sts') &&
    arn.region === '' &&
    isAccountId(arn.account) &&
    arn.resource.length > 0
  );
}

/** The usage error of a `parseArgs` failure, in the words of this CLI. */
function describeParseError(error: unknown, args: readonly string[]): string {
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const named = /'([^']+)'/.exec(message)?.[1] ?? args.find((a) => a.startsWith('-')) ?? '';
    return `unknown option ${named.split('=')[0]}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const named = /'(--?[a-z]+)/.exec(message)?.[1] ?? 'an option';
    return `${named} needs a value`;
  }
  return message;
}

/** Parses the arguments after `lint`; a string is a usage error to print. */
export function parseLintArguments(args: readonly string[]): LintArguments | string {
  let values: { principal?: string[]; region?: string; 'key-arn'?: string; format?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    return describeParseError(error, args);
  }
  const parsed: LintArguments = { principals: [], format: 'text', files: positionals };
  if (values.help) return { ...parsed, help: true };
  for (const value of values.principal ?? []) {
    if (!isPrincipalArgument(value))
      return `--principal expects an IAM user, role, assumed-role session or account ARN, got "${value}"`;
    parsed.principals.push(value);
  }
  if (values.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(values.format))
      return `--format must be one of ${FORMATS.join(', ')}, got "${values.format}"`;
    parsed.format = values.format as LintFormat;
  }
  if (values.region !== undefined) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region))
      return `--region expects a Region such as eu-west-1, got "${values.region}"`;
    parsed.region = values.region;
  }
  if (values['key-arn'] !== undefined) {
    const key = parseKeyArn(values['key-arn']);
    if (!key) return `--key-arn expects a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), got "${values['key-arn']}"`;
    parsed.keyAccount = key.account;
    // EC2 asks for the grant in the key's Region.
    parsed.region ??= key.region;
  }
  if (parsed.files.length === 0) return 'no FILE given';
  return parsed;
}

/**
 * A file's text: UTF-16 (little or big endian) when it starts with that byte order mark
 * (Windows PowerShell 5 writes `>` redirections so), otherwise UTF-8. The mark stays, as
 * U+FEFF: the analyzer reads past it, and offsets count it as one character, as in the text
 * Node's `readFile(path, 'utf8')` gives a script applying the fixes of `--format json`.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return new TextDecoder('utf-16le', { ignoreBOM: true }).decode(bytes);
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    return new TextDecoder('utf-16be', { ignoreBOM: true }).decode(bytes);
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
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
  if (parsed.help) {
    io.stdout(`${LINT_USAGE}\n`);
    return 0;
  }
  const linted: LintedFile[] = [];
  let failed = false;
  for (const path of parsed.files) {
    let text: string;
    try {
      const content = await io.readFile(path);
      text = typeof content === 'string' ? content : decodeText(content);
    } catch (error) {
      failed = true;
      io.stderr(`ec2-launch-doctor lint: cannot read ${path}: ${describeReadError(error)}\n`);
      continue;
    }
    try {
      // The file name picks the language (JSON, YAML, Terraform); the content decides what it holds.
      const format = sourceFormatOf(path, undefined, text) ?? 'json';
      const { kind, findings } = await analyzeSource(text, format, {
        principals: parsed.principals,
        region: parsed.region,
        keyAccount: parsed.keyAccount,
      });
      linted.push({ path, text, kind, findings });
      // Said on stderr: a file that is not a policy passes silently otherwise, and stdout stays JSON or SARIF.
      if (kind === 'not-a-policy')
        io.stderr(`ec2-launch-doctor lint: skipped ${path}: not a policy, nor a template holding one\n`);
      // Not analyzed (nested too deeply): reported with the findings, and never a passing run.
      if (findings.some((f) => f.code === 'analysis-failed')) failed = true;
    } catch (error) {
      // A bug of the analyzer: say so, and never let it pass for "no findings".
      failed = true;
      io.stderr(
        `ec2-launch-doctor lint: internal error while analyzing ${path}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }
  if (parsed.format === 'json') io.stdout(`${JSON.stringify(formatJson(linted), null, 2)}\n`);
  else if (parsed.format === 'sarif') io.stdout(`${JSON.stringify(formatSarif(linted), null, 2)}\n`);
  else {
    const lines = formatText(linted);
    if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
  }
  if (failed) return 2;
  return linted.some((f) => f.findings.some((x) => x.severity === 'error')) ? 1 : 0;
}
