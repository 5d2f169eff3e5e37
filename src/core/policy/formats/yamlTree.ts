/**
 * A YAML text (a CloudFormation or SAM template) as the tree the rules read: jsonc-parser
 * `Node`s whose offsets point into the YAML source, so findings and fixes land in the file
 * as written. CloudFormation's short-form tags (`!Sub x`, `!GetAtt A.Arn`, `!If [...]`)
 * become the long forms they stand for (`{"Fn::Sub": x}`), which the template resolver
 * already understands.
 */
import type { Node, ParseError } from 'jsonc-parser';
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { MAX_NESTING_DEPTH } from '../limits';
import { UNRESOLVED } from '../document';

/** How a collection is written: fixes insert block lines into a block, flow text into a flow. */
export type YamlStyle = 'block' | 'flow';

export interface YamlTree {
  root: Node | undefined;
  errors: ParseError[];
  /** The style of each collection node built from the source (not of the synthetic intrinsic nodes). */
  styles: WeakMap<Node, YamlStyle>;
  /** True when the text writes intrinsics as short-form tags: fixes write them so too. */
  shortForms: boolean;
  /** Set when the text nests deeper than the analyzer reads. */
  tooDeep?: number;
}

/** The long-form key of a short-form tag: `!Ref` and `!Condition` keep their name, the others are `Fn::`. */
export function intrinsicKey(tagName: string): string {
  return tagName === 'Ref' || tagName === 'Condition' ? tagName : `Fn::${tagName}`;
}

/** Any `yaml` node; the library's own union is wider than what `parseDocument` returns. */
type YamlNode = Document['contents'];

/** A node while it is being built; the rules only read it. */
type Building = { -readonly [K in keyof Node]: Node[K] };

class DepthExceeded extends Error {
  constructor(readonly depth: number) {
    super('nesting too deep');
  }
}

class TreeBuilder {
  readonly styles = new WeakMap<Node, YamlStyle>();
  shortForms = false;

  constructor(private readonly text: string) {}

  build(node: YamlNode | null | undefined, parent: Node | undefined, depth: number): Node {
    if (depth > MAX_NESTING_DEPTH) throw new DepthExceeded(depth);
    if (!node) return this.scalar(null, parent, parent ? parent.offset + parent.length : 0, 0);
    const [start, end] = node.range ?? [0, 0, 0];
    const tag = node.tag;
    // `!!str`, `!!int`...: YAML's own tags; `!Name`: a CloudFormation intrinsic.
    if (typeof tag === 'string' && tag.startsWith('!') && !tag.startsWith('!!') && tag.length > 1) {
      this.shortForms = true;
      return this.intrinsic(tag.slice(1), node, parent, depth);
    }
    if (isAlias(node)) {
      // An alias is not copied: a policy written through anchors is left unresolved rather
      // than expanded (an alias of an alias of a list can grow exponentially).
      return this.scalar(UNRESOLVED, parent, start, end - start);
    }
    if (isMap(node)) {
      const out: Building = { type: 'object', offset: start, length: end - start, parent, children: [] };
      this.styles.set(out, node.flow ? 'flow' : 'block');
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const [keyStart, keyEnd] = pair.key.range ?? [start, start];
        const property: Building = { type: 'property', offset: keyStart, length: 0, parent: out, children: [] };
        const key: Building = {
          type: 'string',
          value: String(pair.key.value),
          offset: keyStart,
          length: keyEnd - keyStart,
          parent: property,
        };
        const value: Building = this.build(pair.value as YamlNode, property, depth + 1);
        // A key without a value (`Key:`) reads as null just after the key.
        if (!pair.value) {
          value.offset = keyEnd;
          value.length = 0;
        }
        property.children = [key, value];
        property.length = Math.max(value.offset + value.length, keyEnd) - keyStart;
        property.colonOffset = this.text.indexOf(':', keyEnd);
        out.children?.push(property);
      }
      return this.trimmed(out, !node.flow);
    }
    if (isSeq(node)) {
      const out: Building = { type: 'array', offset: start, length: end - start, parent, children: [] };
      this.styles.set(out, node.flow ? 'flow' : 'block');
      for (const item of node.items) out.children?.push(this.build(item as YamlNode, out, depth + 1));
      return this.trimmed(out, !node.flow);
    }
    if (isScalar(node)) return this.scalar(node.value, parent, start, end - start);
    return this.scalar(UNRESOLVED, parent, start, end - start);
  }

  /**
   * The collection's length up to its last character of content: a block collection's range
   * runs on to where the next token starts (line breaks, indentation, comments).
   */
  private trimmed(node: Building, block: boolean): Building {
    const last = node.children?.[node.children.length - 1];
    let end = block && last ? last.offset + last.length : node.offset + node.length;
    while (end > node.offset && /\s/.test(this.text[end - 1])) end--;
    node.length = end - node.offset;
    return node;
  }

  private scalar(value: unknown, parent: Node | undefined, offset: number, length: number): Node {
    if (value === null || value === undefined) return { type: 'null', value: null, offset, length, parent };
    if (typeof value === 'boolean') return { type: 'boolean', value, offset, length, parent };
    if (typeof value === 'number') return { type: 'number', value, offset, length, parent };
    if (typeof value === 'bigint') return { type: 'number', value: Number(value), offset, length, parent };
    return { type: 'string', value: String(value), offset, length, parent };
  }

  /** `!Name argument` as `{"Fn::Name": argument}`, spanning the tag and its argument. */
  private intrinsic(name: string, node: NonNullable<YamlNode>, parent: Node | undefined, depth: number): Node {
    const [start, end] = node.range ?? [0, 0, 0];
    const tagStart = this.tagStart(name, start);
    const out: Building = { type: 'object', offset: tagStart, length: end - tagStart, parent, children: [] };
    const property: Building = { type: 'property', offset: tagStart, length: end - tagStart, parent: out };
    const key: Building = {
      type: 'string',
      value: intrinsicKey(name),
      offset: tagStart,
      length: name.length + 1,
      parent: property,
    };
    // The argument is the node without its tag.
    const saved = node.tag;
    node.tag = undefined;
    const argument = this.build(node, property, depth + 1);
    node.tag = saved;
    property.children = [key, argument];
    out.children = [property];
    return out;
  }

  /** Where `!name` is written before its value (the value's range leaves the tag out). */
  private tagStart(name: string, valueStart: number): number {
    const found = this.text.lastIndexOf(`!${name}`, valueStart);
    return found >= 0 && valueStart - found <= name.length + 1 + 256 ? found : valueStart;
  }
}

/** Parses a YAML text into the rules' tree. Never throws on malformed input. */
export function parseYamlTree(text: string): YamlTree {
  const builder = new TreeBuilder(text);
  let document: Document;
  try {
    document = parseDocument(text, { uniqueKeys: false, keepSourceTokens: false, prettyErrors: false });
  } catch (error) {
    // The parser recurses per level: a text nesting thousands deep overflows its stack.
    if (error instanceof RangeError)
      return { root: undefined, errors: [], styles: builder.styles, shortForms: false, tooDeep: MAX_NESTING_DEPTH + 1 };
    throw error;
  }
  const errors: ParseError[] = document.errors.map((e) => ({
    // jsonc-parser's InvalidSymbol: the rules only ask whether there is an error.
    error: 1,
    offset: e.pos[0],
    length: Math.max(0, e.pos[1] - e.pos[0]),
  }));
  try {
    const root = document.contents ? builder.build(document.contents, undefined, 0) : undefined;
    return { root, errors, styles: builder.styles, shortForms: builder.shortForms };
  } catch (error) {
    if (error instanceof DepthExceeded)
      return { root: undefined, errors, styles: builder.styles, shortForms: false, tooDeep: error.depth };
    throw error;
  }
}
