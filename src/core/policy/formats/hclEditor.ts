/**
 * The fixes' changes written in Terraform's language. Inside `jsonencode({...})` a change is
 * an HCL object or tuple entry (`Key = value`); in an `aws_iam_policy_document` a statement
 * is a new `statement { ... }` block and a condition a `condition { ... }` block; in a heredoc
 * holding JSON the JSON editor makes it. The rest of the file stays byte for byte.
 */
import type { JSONPath, Node } from 'jsonc-parser';
import type { FormattingOptions, TextEdit } from '../fixes';
import { childOf, LocalEditor } from '../localEdits';
import { nestedValue as nested } from './paths';
import { isRecord } from '../values';
import type { HclShape } from './hclTree';

/** An HCL string: JSON's escapes, plus `$${` and `%%{` so nothing is read as a template. */
export function hclString(value: string): string {
  return JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

/** An object key: bare when it is an identifier, quoted otherwise (`"kms:GrantIsForAWSResource"`). */
function hclKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : hclString(key);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/** `lines` of `name = value` with the equals signs aligned, as `terraform fmt` writes them. */
function aligned(entries: [string, string][], indent: string): string[] {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${indent}${k.padEnd(width)} = ${v}`);
}

/** The `statement`-block arguments of the policy elements. */
const STATEMENT_ARGUMENTS: readonly [string, string][] = [
  ['Sid', 'sid'],
  ['Effect', 'effect'],
  ['Action', 'actions'],
  ['NotAction', 'not_actions'],
  ['Resource', 'resources'],
  ['NotResource', 'not_resources'],
];

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

export class HclEditor extends LocalEditor {
  /** The changes written here in HCL (the rest are JSON changes in a heredoc). */
  private readonly written = new WeakSet<TextEdit>();
  private readonly eol: string;
  private readonly step: string;

  constructor(
    text: string,
    formatting: FormattingOptions,
    private readonly shapes: WeakMap<Node, HclShape>,
    /** Resolved string -> the expression the file writes for it: a fix names `aws_iam_role.app.arn`, not its value. */
    private readonly sources: ReadonlyMap<string, string> = new Map(),
    /** The account the file reads from `data.aws_caller_identity`: ARNs of it name the reference, not the id. */
    private readonly account?: { id: string; reference: string },
  ) {
    super(text, formatting);
    this.eol = formatting.eol ?? (text.includes('\r\n') ? '\r\n' : '\n');
    this.step = ' '.repeat(Math.min(Math.max(formatting.insertSpaces ? formatting.tabSize : 2, 2), 8));
  }

  override set(node: Node, path: JSONPath, value: unknown): TextEdit | undefined {
    const shape = this.shapes.get(node);
    if (shape?.kind === 'json') return super.set(node, path, value);
    if (shape?.kind === 'statement') return this.setInStatement(node, shape, path, value);
    let current = node;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const child = childOf(current, segment);
      if (child) {
        current = child;
        continue;
      }
      const currentShape = this.shapes.get(current);
      if (current.type !== 'object' || typeof segment !== 'string' || currentShape?.kind !== 'expression')
        return undefined;
      const inner = nested(path.slice(i + 1), value);
      const last = current.children?.[current.children.length - 1];
      if (!last)
        return this.mine({
          offset: current.offset + 1,
          length: 0,
          content: ` ${hclKey(segment)} = ${this.inline(inner)} `,
        });
      if (!currentShape.multiline)
        return this.mine({
          offset: last.offset + last.length,
          length: 0,
          content: `, ${hclKey(segment)} = ${this.inline(inner)}`,
        });
      const column = this.columnOf(last.offset);
      return this.mine({
        offset: this.lineEndOf(last.offset + last.length),
        length: 0,
        content: `${this.eol}${' '.repeat(column)}${hclKey(segment)} = ${this.expression(inner, ' '.repeat(column))}`,
      });
    }
    return this.replace(current, value);
  }

  override append(array: Node, value: unknown): TextEdit {
    const shape = this.shapes.get(array);
    if (shape?.kind === 'json') return super.append(array, value);
    if (shape?.kind === 'statements') {
      const indent = ' '.repeat(shape.column);
      return this.mine({
        offset: this.lineEndOf(shape.after),
        length: 0,
        content: `${this.eol}${this.eol}${this.statementBlock(value, indent).join(this.eol)}`,
      });
    }
    const last = array.children?.[array.children.length - 1];
    if (!last) return this.mine({ offset: array.offset + 1, length: 0, content: this.inline(value) });
    if (shape?.kind !== 'expression' || !shape.multiline)
      return this.mine({ offset: last.offset + last.length, length: 0, content: `, ${this.inline(value)}` });
    // Each element on its own lines: the new one too; `[{ ... }]`: it follows on the same line.
    const startsLine = this.columnOf(last.offset) === this.indentOf(last.offset).length;
    if (startsLine) {
      const indent = ' '.repeat(this.columnOf(last.offset));
      return this.mine({
        offset: last.offset + last.length,
        length: 0,
        content: `,${this.eol}${indent}${this.expression(value, indent)}`,
      });
    }
    const base = this.indentOf(last.offset + last.length);
    return this.mine({ offset: last.offset + last.length, length: 0, content: `, ${this.expression(value, base)}` });
  }

  override replace(node: Node, value: unknown): TextEdit {
    if (this.shapes.get(node)?.kind === 'json') return super.replace(node, value);
    return this.mine({
      offset: node.offset,
      length: node.length,
      content: this.expression(value, this.indentOf(node.offset)),
    });
  }

  override format(changes: readonly TextEdit[]): TextEdit[] {
    if (changes.every((c) => this.written.has(c))) return [...changes].sort((a, b) => a.offset - b.offset);
    return super.format(changes);
  }

  /** `Condition.<test>.<variable>` of a policy-document statement: its values, or a new `condition` block. */
  private setInStatement(
    statement: Node,
    shape: Extract<HclShape, { kind: 'statement' }>,
    path: JSONPath,
    value: unknown,
  ): TextEdit | undefined {
    const [element, test, variable] = path;
    if (element !== 'Condition' || typeof test !== 'string' || typeof variable !== 'string' || path.length !== 3)
      return undefined;
    const condition = childOf(statement, 'Condition');
    const existing = condition && childOf(condition, test);
    const values = existing && childOf(existing, variable);
    const written = asList(value).map((v) => this.str(v));
    if (values) return this.mine({ offset: values.offset, length: values.length, content: `[${written.join(', ')}]` });
    const indent = ' '.repeat(shape.column);
    const block = this.conditionBlock(test, variable, written, indent);
    const lineStart = shape.close - this.columnOf(shape.close);
    const ownLine = this.text.slice(lineStart, shape.close).trim() === '';
    return ownLine
      ? this.mine({ offset: lineStart, length: 0, content: block.map((l) => l + this.eol).join('') })
      : this.mine({ offset: shape.close, length: 0, content: `${this.eol}${block.join(this.eol)}${this.eol}` });
  }

  private conditionBlock(test: string, variable: string, values: string[], indent: string): string[] {
    return [
      `${indent}condition {`,
      ...aligned(
        [
          ['test', hclString(test)],
          ['variable', hclString(variable)],
          ['values', `[${values.join(', ')}]`],
        ],
        indent + this.step,
      ),
      `${indent}}`,
    ];
  }

  /** A policy statement as an `aws_iam_policy_document` `statement` block. */
  private statementBlock(value: unknown, indent: string): string[] {
    const statement = isRecord(value) ? value : {};
    const inner = indent + this.step;
    const entries: [string, string][] = [];
    for (const [element, argument] of STATEMENT_ARGUMENTS) {
      if (!(element in statement)) continue;
      const written = statement[element];
      entries.push([
        argument,
        element === 'Sid' || element === 'Effect'
          ? hclString(String(written))
          : `[${asList(written)
              .map((v) => this.str(v))
              .join(', ')}]`,
      ]);
    }
    const lines = [`${indent}statement {`, ...aligned(entries, inner)];
    for (const [element, block] of [
      ['Principal', 'principals'],
      ['NotPrincipal', 'not_principals'],
    ] as const) {
      const principal = statement[element];
      if (principal === undefined) continue;
      const byType: [string, unknown][] = isRecord(principal) ? Object.entries(principal) : [['*', '*']];
      for (const [type, identifiers] of byType) {
        lines.push(
          `${inner}${block} {`,
          ...aligned(
            [
              ['type', hclString(type)],
              [
                'identifiers',
                `[${asList(identifiers)
                  .map((v) => this.str(v))
                  .join(', ')}]`,
              ],
            ],
            inner + this.step,
          ),
          `${inner}}`,
        );
      }
    }
    const condition = statement.Condition;
    if (isRecord(condition)) {
      for (const [test, block] of Object.entries(condition)) {
        if (!isRecord(block)) continue;
        for (const [variable, values] of Object.entries(block))
          lines.push(
            ...this.conditionBlock(
              test,
              variable,
              asList(values).map((v) => this.str(v)),
              inner,
            ),
          );
      }
    }
    lines.push(`${indent}}`);
    return lines;
  }

  /** A string as the file writes it: the reference it was read from, else a quoted string. */
  private str(value: unknown): string {
    const text = String(value);
    const source = this.sources.get(text);
    if (source !== undefined) return source;
    // `arn:aws:iam::<that account>:root` as `"arn:aws:iam::${data.aws_caller_identity.X.account_id}:root"`.
    const arn = /^(arn:[^:]*:[^:]*:[^:]*:)(\d{12})(:.*)$/s.exec(text);
    if (this.account && arn && arn[2] === this.account.id) {
      const inner = (part: string): string => hclString(part).slice(1, -1);
      return `"${inner(arn[1])}\${${this.account.reference}}${inner(arn[3])}"`;
    }
    return hclString(text);
  }

  /** A value as an HCL expression on one line. */
  private inline(value: unknown): string {
    if (typeof value === 'string') return this.str(value);
    if (isScalar(value)) return String(value);
    if (Array.isArray(value)) return `[${value.map((v) => this.inline(v)).join(', ')}]`;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${hclKey(k)} = ${this.inline(v)}`).join(', ')} }`;
  }

  /** A value as an HCL expression, objects over several lines below `indent`. */
  private expression(value: unknown, indent: string): string {
    if (isScalar(value)) return this.inline(value);
    const inner = indent + this.step;
    if (Array.isArray(value)) {
      if (value.every(isScalar)) return this.inline(value);
      return `[${this.eol}${value.map((v) => inner + this.expression(v, inner)).join(`,${this.eol}`)}${this.eol}${indent}]`;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    // `{ AWS = "arn:..." }`: a small object of plain values stays on one line, as people write it.
    const flat = entries.every(([, v]) => isScalar(v) || (Array.isArray(v) && v.every(isScalar)));
    if (flat && entries.length === 1 && this.inline(value).length <= 80) return this.inline(value);
    const lines = aligned(
      entries.map(([k, v]) => [hclKey(k), this.expression(v, inner)]),
      inner,
    );
    return `{${this.eol}${lines.join(this.eol)}${this.eol}${indent}}`;
  }

  private mine(edit: TextEdit): TextEdit {
    this.written.add(edit);
    return edit;
  }

  private lineEndOf(offset: number): number {
    let at = offset;
    while (at < this.text.length && this.text[at] !== '\n' && this.text[at] !== '\r') at++;
    return at;
  }

  private columnOf(offset: number): number {
    let at = offset;
    while (at > 0 && this.text[at - 1] !== '\n' && this.text[at - 1] !== '\r') at--;
    return offset - at;
  }

  /** The leading blanks of the line holding `offset`. */
  private indentOf(offset: number): string {
    const start = offset - this.columnOf(offset);
    return /^[ \t]*/.exec(this.text.slice(start, offset))?.[0] ?? '';
  }
}
