/**
 * The fixes' changes written in YAML. The rules ask for the same three changes as in JSON
 * (set a property, append to a list, replace a value); here each becomes an insertion in the
 * style of the collection it goes into: block lines at the collection's own indentation, or
 * flow text (`{ a: b }`) inside a flow collection. Everything else in the file, comments
 * included, stays byte for byte.
 */
import type { JSONPath, Node } from 'jsonc-parser';
import { Document, isMap, isScalar, visit, type Scalar, type YAMLMap } from 'yaml';
import type { FormattingOptions, TextEdit } from '../fixes';
import { childOf, LocalEditor } from '../localEdits';
import { nestedValue as nested } from './paths';
import { isRecord } from '../values';
import type { YamlStyle } from './yamlTree';

function count(text: string, character: string): number {
  let n = 0;
  for (let i = text.indexOf(character); i >= 0; i = text.indexOf(character, i + 1)) n++;
  return n;
}

const INTRINSIC_KEY = /^(Ref|Condition|Fn::[A-Za-z0-9]+)$/;

/** Edits of one YAML text. Extends the JSON editor only to stand where the rules expect it. */
export class YamlEditor extends LocalEditor {
  private readonly eol: string;
  private readonly step: number;
  /** Quote strings as the file mostly does. */
  private readonly singleQuote: boolean;

  constructor(
    text: string,
    formatting: FormattingOptions,
    private readonly styles: WeakMap<Node, YamlStyle>,
    private readonly shortForms: boolean,
  ) {
    super(text, formatting);
    this.eol = formatting.eol ?? (text.includes('\r\n') ? '\r\n' : '\n');
    // YAML indents with spaces only.
    this.step = Math.min(Math.max(formatting.insertSpaces ? formatting.tabSize : 2, 2), 8);
    this.singleQuote = count(text, "'") > count(text, '"');
  }

  override set(node: Node, path: JSONPath, value: unknown): TextEdit | undefined {
    let current = node;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const child = childOf(current, segment);
      if (child) {
        current = child;
        continue;
      }
      const style = this.styles.get(current);
      // A synthetic intrinsic node (`!Sub x`) or a scalar holds no properties to add to.
      if (current.type !== 'object' || typeof segment !== 'string' || !style) return undefined;
      const property = { [segment]: nested(path.slice(i + 1), value) };
      const last = current.children?.[current.children.length - 1];
      if (style === 'flow') {
        const inner = this.flow(property).replace(/^\{ ?/, '').replace(/ ?\}$/, '');
        return last
          ? { offset: last.offset + last.length, length: 0, content: `, ${inner}` }
          : { offset: current.offset + 1, length: 0, content: ` ${inner} ` };
      }
      if (!last) return undefined;
      const column = this.columnOf(current.offset);
      const lines = this.block(property);
      return {
        offset: this.insertionPoint(last.offset + last.length),
        length: 0,
        content: lines.map((line) => this.eol + ' '.repeat(column) + line).join(''),
      };
    }
    return this.replace(current, value);
  }

  override append(array: Node, value: unknown): TextEdit {
    const last = array.children?.[array.children.length - 1];
    if (this.styles.get(array) !== 'block' || !last) {
      const json = this.flow(value);
      return last
        ? { offset: last.offset + last.length, length: 0, content: `, ${json}` }
        : { offset: array.offset + 1, length: 0, content: json };
    }
    // Block items: the dash where the list writes its dashes, the value where its first value starts.
    const first = array.children?.[0] ?? last;
    const dash = this.columnOf(array.offset);
    const sameLine = this.startOfLine(first.offset) === this.startOfLine(array.offset);
    const content = sameLine ? this.columnOf(first.offset) : dash + 2;
    const [head, ...rest] = this.block(value);
    const lead = ' '.repeat(dash) + '-' + ' '.repeat(Math.max(1, content - dash - 1));
    const text = [lead + head, ...rest.map((line) => ' '.repeat(content) + line)].map((l) => this.eol + l).join('');
    return { offset: this.insertionPoint(last.offset + last.length), length: 0, content: text };
  }

  override replace(node: Node, value: unknown): TextEdit {
    const style = this.styles.get(node);
    if (style === 'block' && (isRecord(value) || Array.isArray(value))) {
      const column = this.columnOf(node.offset);
      const [head, ...rest] = this.block(value);
      const content = [head, ...rest.map((line) => ' '.repeat(column) + line)].join(this.eol);
      return { offset: node.offset, length: node.length, content };
    }
    return { offset: node.offset, length: node.length, content: this.flow(value) };
  }

  /** The changes are written in YAML already: only ordered. */
  override format(changes: readonly TextEdit[]): TextEdit[] {
    return [...changes].sort((a, b) => a.offset - b.offset);
  }

  /** `value` as block YAML lines (no indentation of their own beyond their nesting). */
  private block(value: unknown): string[] {
    const text = this.document(value).toString({ indent: this.step, lineWidth: 0, singleQuote: this.singleQuote });
    return text.replace(/\r?\n$/, '').split(/\r?\n/);
  }

  /** `value` as one line of flow YAML. */
  private flow(value: unknown): string {
    const document = this.document(value);
    if (isMap(document.contents) || Array.isArray(value)) (document.contents as YAMLMap).flow = true;
    return document
      .toString({ lineWidth: 0, singleQuote: this.singleQuote })
      .replace(/\r?\n$/, '')
      .replace(/\r?\n\s*/g, ' ');
  }

  /** A YAML document of `value`, its intrinsics written as tags when the file writes them so. */
  private document(value: unknown): Document {
    const document = new Document(value);
    if (!this.shortForms) return document;
    visit(document, {
      Map(_, map) {
        const [pair] = map.items;
        if (map.items.length !== 1 || !isScalar(pair.key)) return undefined;
        const key = String((pair.key as Scalar).value);
        if (!INTRINSIC_KEY.test(key) || !pair.value || typeof pair.value !== 'object') return undefined;
        const argument = pair.value as Scalar;
        argument.tag = `!${key.replace(/^Fn::/, '')}`;
        return argument;
      },
    });
    return document;
  }

  /** Just after the last character of a value's line (after a trailing comment): where new lines go. */
  private insertionPoint(end: number): number {
    let at = end;
    // A block scalar's range takes its final line break; the new line goes before it.
    while (at > 0 && (this.text[at - 1] === '\n' || this.text[at - 1] === '\r')) at--;
    while (at < this.text.length && this.text[at] !== '\n' && this.text[at] !== '\r') at++;
    return at;
  }

  private startOfLine(offset: number): number {
    let at = offset;
    while (at > 0 && this.text[at - 1] !== '\n' && this.text[at - 1] !== '\r') at--;
    return at;
  }

  private columnOf(offset: number): number {
    return offset - this.startOfLine(offset);
  }
}
