/**
 * Output formats of `lint`: offsets become line/character only here, at the edge.
 * Pure: the CLI does the reading and printing.
 */
import type { DocumentKind } from './document';
import { FINDING_HELP } from '../findingHelp';
import { FINDING_CODES, FINDING_SEVERITY, FINDING_TITLES, type Finding, type Severity } from './findings';

export interface Position {
  /** Zero-based, as in LSP. */
  line: number;
  /** Zero-based UTF-16 code unit, as in LSP. */
  character: number;
}

/** Offsets of each line start; `\n`, `\r\n` and `\r` end a line, as in LSP. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Converts an offset (clamped into the text) to a zero-based position. */
export function positionAt(starts: readonly number[], offset: number, textLength: number): Position {
  const clamped = Math.max(0, Math.min(offset, textLength));
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= clamped) low = mid;
    else high = mid - 1;
  }
  return { line: low, character: clamped - starts[low] };
}

export interface LintedFile {
  path: string;
  text: string;
  kind: DocumentKind;
  findings: Finding[];
}

function rangeOf(
  file: LintedFile,
  starts: number[],
  offset: number,
  length: number,
): { start: Position; end: Position } {
  return {
    start: positionAt(starts, offset, file.text.length),
    end: positionAt(starts, offset + length, file.text.length),
  };
}

/**
 * Characters a terminal would act on rather than show: C0 controls (ESC starts escape
 * sequences, BEL rings, CR and LF rewrite lines), DEL, C1 controls, the line and paragraph
 * separators and the bidirectional overrides and isolates (which reorder what is shown).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The text with each such character written as `\u{XXXX}`: shown, never acted on. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}}`);
}

/**
 * `path:line:col severity code message`, one line per finding, one-based line and column.
 * Paths and messages (which quote element names and principals from the file) are made
 * printable: a file must not be able to drive the terminal that shows its findings.
 */
export function formatText(files: readonly LintedFile[]): string[] {
  const lines: string[] = [];
  for (const file of files) {
    const starts = lineStarts(file.text);
    for (const f of file.findings) {
      const p = positionAt(starts, f.range.offset, file.text.length);
      lines.push(
        `${printable(file.path)}:${p.line + 1}:${p.character + 1} ${f.severity} ${f.code} ${printable(f.message)}`,
      );
    }
  }
  return lines;
}

/** The `--format json` document (zero-based positions as in LSP). */
export function formatJson(files: readonly LintedFile[]): object {
  return {
    files: files.map((file) => {
      const starts = lineStarts(file.text);
      return {
        path: file.path,
        kind: file.kind,
        findings: file.findings.map((f) => ({
          code: f.code,
          severity: f.severity,
          message: f.message,
          range: rangeOf(file, starts, f.range.offset, f.range.length),
          fixes: f.fixes.map((fix) => ({
            title: fix.title,
            edits: fix.edits.map((e) => ({ offset: e.offset, length: e.length, content: e.content })),
          })),
        })),
      };
    }),
  };
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  information: 'note',
};

function artifactUri(path: string): string {
  return encodeURI(path.replace(/\\/g, '/'));
}

function sarifRegion(file: LintedFile, starts: number[], offset: number, length: number): object {
  const { start, end } = rangeOf(file, starts, offset, length);
  return {
    startLine: start.line + 1,
    startColumn: start.character + 1,
    endLine: end.line + 1,
    endColumn: end.character + 1,
    charOffset: offset,
    charLength: length,
  };
}

/** The first paragraph of a Markdown explanation, as plain text (SARIF `fullDescription`). */
function firstParagraph(markdown: string): string {
  return markdown
    .split(/\n\s*\n/)[0]
    .replace(/`/g, '')
    .replace(/\s*\n\s*/g, ' ');
}

/**
 * A SARIF 2.1.0 log for code-scanning tools; one rule per finding code, each carrying the
 * explanation the editor shows (`help`), so a code-scanning page explains the finding too.
 */
export function formatSarif(files: readonly LintedFile[], toolVersion?: string): object {
  const rules = FINDING_CODES.map((code) => ({
    id: code,
    name: code.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: FINDING_TITLES[code] },
    fullDescription: { text: firstParagraph(FINDING_HELP[code].markdown) },
    help: { text: FINDING_HELP[code].markdown, markdown: FINDING_HELP[code].markdown },
    defaultConfiguration: { level: SARIF_LEVEL[FINDING_SEVERITY[code]] },
  }));
  const results: object[] = [];
  for (const file of files) {
    const starts = lineStarts(file.text);
    const uri = artifactUri(file.path);
    for (const f of file.findings) {
      const result: Record<string, unknown> = {
        ruleId: f.code,
        ruleIndex: FINDING_CODES.indexOf(f.code),
        level: SARIF_LEVEL[f.severity],
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri },
              region: sarifRegion(file, starts, f.range.offset, f.range.length),
            },
          },
        ],
      };
      if (f.fixes.length > 0) {
        result.fixes = f.fixes.map((fix) => ({
          description: { text: fix.title },
          artifactChanges: [
            {
              artifactLocation: { uri },
              replacements: fix.edits.map((e) => ({
                deletedRegion: sarifRegion(file, starts, e.offset, e.length),
                insertedContent: { text: e.content },
              })),
            },
          ],
        }));
      }
      results.push(result);
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'ec2-launch-doctor', ...(toolVersion ? { version: toolVersion } : {}), rules } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
