/**
 * The edits of the fixes, computed from the tree the analysis already has and formatted on
 * the lines they touch only. jsonc-parser's `modify` parses the whole text again and formats
 * the whole line it changes: on a one-line (minified) document every fix cost the size of the
 * document, and a document with many fixes cost its size squared. Here a change is made as
 * jsonc-parser's `setProperty` makes it, then formatted as its `withFormatting` formats it,
 * on a window of the affected lines; the result is the same text, at the cost of those lines.
 * A line too long to format (a minified document) gets the change as compact JSON, inserted
 * at one point.
 */
import { format, type JSONPath, type Node } from 'jsonc-parser';
import type { FormattingOptions, TextEdit } from './fixes';

/** Lines longer than this around a change are not re-formatted: the change goes in as compact JSON. */
export const FORMAT_WINDOW_LIMIT = 8_192;

/** The raw JSON of `value` under `segments` (`{"a":{"b":value}}`), built as text so any key is kept. */
function nestedJson(segments: JSONPath, valueJson: string): string {
  return segments.reduceRight<string>(
    (inner, segment) => (typeof segment === 'string' ? `{${JSON.stringify(segment)}:${inner}}` : `[${inner}]`),
    valueJson,
  );
}

/** The value of a property by exact key; the last one when it is duplicated, as JSON.parse keeps it. */
export function childOf(node: Node, segment: string | number): Node | undefined {
  if (node.type === 'array' && typeof segment === 'number') return node.children?.[segment];
  if (node.type !== 'object' || typeof segment !== 'string') return undefined;
  let found: Node | undefined;
  for (const property of node.children ?? []) {
    if (property.children?.[0]?.value === segment && property.children.length === 2) found = property.children[1];
  }
  return found;
}

/** Edits of one text: raw changes made from its tree, formatted on the lines they touch. */
export class LocalEditor {
  /** Offsets of every `\r` and `\n`, found on first use. */
  private eols?: number[];

  constructor(
    readonly text: string,
    readonly formatting: FormattingOptions,
  ) {}

  /**
   * Sets `path` below `node` to `value`, creating the objects on the way (as `setProperty`).
   * Undefined when the path runs into a value that holds no properties (a string, say).
   */
  set(node: Node, path: JSONPath, value: unknown): TextEdit | undefined {
    let current = node;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const child = childOf(current, segment);
      if (child) {
        current = child;
        continue;
      }
      if (current.type !== 'object' || typeof segment !== 'string') return undefined;
      const property = `${JSON.stringify(segment)}: ${nestedJson(path.slice(i + 1), JSON.stringify(value))}`;
      const last = current.children?.[current.children.length - 1];
      return last
        ? { offset: last.offset + last.length, length: 0, content: `,${property}` }
        : { offset: current.offset + 1, length: 0, content: property };
    }
    return this.replace(current, value);
  }

  /** Appends `value` to an array node. */
  append(array: Node, value: unknown): TextEdit {
    const last = array.children?.[array.children.length - 1];
    const json = JSON.stringify(value);
    return last
      ? { offset: last.offset + last.length, length: 0, content: `,${json}` }
      : { offset: array.offset + 1, length: 0, content: json };
  }

  /** Replaces a node with `value`. */
  replace(node: Node, value: unknown): TextEdit {
    return { offset: node.offset, length: node.length, content: JSON.stringify(value) };
  }

  /**
   * The edits of raw changes applied one after the other, each formatted as jsonc-parser
   * formats a modification. Changes far apart are formatted apart; changes on shared lines
   * are formatted in one window, each step on the text the previous one left.
   */
  format(changes: readonly TextEdit[]): TextEdit[] {
    const windows = changes.map((change) => this.window(change));
    if (windows.some((w, i) => w.end - w.start - changes[i].length > FORMAT_WINDOW_LIMIT))
      return [...changes].sort((a, b) => a.offset - b.offset);
    const overlapping = windows.some((w, i) => windows.some((v, j) => i !== j && w.start <= v.end && v.start <= w.end));
    if (!overlapping) return changes.map((change, i) => this.formatIn(windows[i], [change]));
    const start = Math.min(...windows.map((w) => w.start));
    const end = Math.max(...windows.map((w) => w.end));
    return [this.formatIn({ start, end }, changes)];
  }

  /** The lines a change touches, from the start of its first to the end of its last. */
  private window(change: TextEdit): { start: number; end: number } {
    return { start: this.lineStart(change.offset), end: this.lineEnd(change.offset + change.length) };
  }

  /** Applies the changes in turn to the window's text, formatting around each; one edit for the window. */
  private formatIn(window: { start: number; end: number }, changes: readonly TextEdit[]): TextEdit {
    let local = this.text.slice(window.start, window.end);
    /** Every edit made so far, in the coordinates of the text after it: to move later offsets. */
    const applied: TextEdit[][] = [];
    for (const change of changes) {
      let offset = change.offset - window.start;
      let endOffset = offset + change.length;
      for (const step of applied) {
        offset = mapOffset(step, offset);
        endOffset = mapOffset(step, endOffset);
      }
      const raw: TextEdit = { offset, length: endOffset - offset, content: change.content };
      local = local.slice(0, raw.offset) + raw.content + local.slice(raw.offset + raw.length);
      // As jsonc-parser's withFormatting: an insertion lays out its whole lines, a replacement itself.
      let begin = raw.offset;
      let end = raw.offset + raw.content.length;
      if (raw.length === 0 || raw.content.length === 0) {
        while (begin > 0 && !isEol(local, begin - 1)) begin--;
        while (end < local.length && !isEol(local, end)) end++;
      }
      const layout = format(
        local,
        { offset: begin, length: end - begin },
        { ...this.formatting, eol: this.formatting.eol ?? '\n', keepLines: false },
      );
      local = applySorted(local, layout);
      applied.push([raw, ...layout.map((e) => ({ ...e }))]);
    }
    return trimmed({ offset: window.start, length: window.end - window.start, content: local }, this.text);
  }

  private eolOffsets(): number[] {
    if (!this.eols) {
      const eols: number[] = [];
      for (let i = 0; i < this.text.length; i++) {
        const c = this.text.charCodeAt(i);
        if (c === 10 || c === 13) eols.push(i);
      }
      this.eols = eols;
    }
    return this.eols;
  }

  /** Index of the first line break at or after `offset` (eols.length when none). */
  private firstEolAtOrAfter(offset: number): number {
    const eols = this.eolOffsets();
    let low = 0;
    let high = eols.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (eols[mid] < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private lineStart(offset: number): number {
    const index = this.firstEolAtOrAfter(offset) - 1;
    return index >= 0 ? this.eolOffsets()[index] + 1 : 0;
  }

  private lineEnd(offset: number): number {
    const index = this.firstEolAtOrAfter(offset);
    const eols = this.eolOffsets();
    return index < eols.length ? eols[index] : this.text.length;
  }
}

/**
 * Where an offset of the text before one step is in the text after it. A step is its raw
 * change (against the text before) and then its layout edits (against the text after the
 * change), each list sorted and non-overlapping; an offset at an edit's start stays put.
 */
function mapOffset(step: readonly TextEdit[], offset: number): number {
  const [raw, ...layout] = step;
  let mapped =
    offset >= raw.offset + raw.length && offset > raw.offset ? offset + raw.content.length - raw.length : offset;
  let shift = 0;
  for (const edit of layout) {
    if (edit.offset + edit.length <= mapped && edit.offset < mapped) shift += edit.content.length - edit.length;
    else break;
  }
  mapped += shift;
  return mapped;
}

function isEol(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset);
  return c === 10 || c === 13;
}

/** Applies sorted, non-overlapping edits (as jsonc-parser's `format` returns them). */
function applySorted(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (let i = edits.length - 1; i >= 0; i--) {
    const e = edits[i];
    out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  }
  return out;
}

/** The edit without the leading and trailing characters it leaves as they were. */
function trimmed(edit: TextEdit, text: string): TextEdit {
  const old = text.slice(edit.offset, edit.offset + edit.length);
  const next = edit.content;
  let start = 0;
  const max = Math.min(old.length, next.length);
  while (start < max && old.charCodeAt(start) === next.charCodeAt(start)) start++;
  let endOld = old.length;
  let endNew = next.length;
  while (endOld > start && endNew > start && old.charCodeAt(endOld - 1) === next.charCodeAt(endNew - 1)) {
    endOld--;
    endNew--;
  }
  return { offset: edit.offset + start, length: endOld - start, content: next.slice(start, endNew) };
}
