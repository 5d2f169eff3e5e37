/**
 * Escaping for every place the report shows a value. Names, aliases, ARNs and CloudTrail
 * fields come from AWS and may be written by anyone who can tag an instance or call KMS:
 * they must never form Markdown blocks, links, HTML or `command:` links, nor drive a
 * terminal (clear the screen, set the window title).
 */

/** Every line break CommonMark, browsers or terminals may honour. */
const LINE_BREAKS = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
/**
 * The other C0 and C1 controls (ESC, BEL, CSI, ...) and DEL, plus the bidirectional
 * overrides and isolates that can make text read differently from what it is.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const REPLACEMENT = '\uFFFD';

/** One line of inert text: line breaks and tabs become spaces, other controls U+FFFD. */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(CONTROLS, REPLACEMENT);
}

/**
 * Text for a Markdown paragraph, list item, heading or table cell: one line, with every
 * character that could start emphasis, code, a link, a table cell or HTML escaped, and the
 * patterns autolinks look for (`//`, `www.`, `@`) broken by escapes, so no URL in a value
 * becomes clickable. A leading block marker (`#`, `>`, `-`, `+`, `1.`) is escaped too.
 */
export function markdownText(text: string): string {
  const escaped = oneLine(text)
    .replace(/[\\`*_~[\]|@]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\/\//g, '\\/\\/')
    .replace(/(www)\./gi, '$1\\.');
  return escapeBlockStart(escaped);
}

function escapeBlockStart(text: string): string {
  // Four leading spaces would open a code block; an entity is text and cannot.
  if (/^\s/.test(text)) return `&#32;${text.slice(1)}`;
  if (/^[#+=-]/.test(text)) return `\\${text}`;
  return text.replace(/^(\d{1,9})([.)])/, '$1\\$2');
}

/**
 * A value as Markdown inline code: one line, between backtick fences longer than any run of
 * backticks inside it, padded with a space when it starts or ends with a backtick (or with
 * spaces at both ends, which CommonMark would strip). Code spans are never links or HTML.
 */
export function markdownCode(text: string): string {
  const flat = oneLine(text);
  if (flat === '') return '` `';
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad =
    flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '')
      ? ' '
      : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced Markdown code block whose fence no line of `content` can close. */
export function markdownFence(content: string, info: string): string[] {
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return [`${fence}${info}`, content, fence];
}

/**
 * JSON text that shows the same value but carries no raw control, line separator or bidi
 * character: JSON.stringify leaves C1 controls, U+2028/U+2029 and bidi overrides raw, so
 * they are written as `\uXXXX` escapes, which parse back to the same string.
 */
export function inertJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    CONTROLS_AND_SEPARATORS,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const CONTROLS_AND_SEPARATORS = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
