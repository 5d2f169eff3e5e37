/**
 * Checks an emulator answer against the AWS service model shipped in the SDK clients (the
 * Smithy schemas of `@aws-sdk/client-*`, read with `@smithy/core/schema`): every element or
 * key must be a modelled member, with the modelled type, list wrapping and XML names. Errors
 * must have each protocol's envelope. A protocol drift of the emulator then fails a test.
 */
import { NormalizedSchema } from '@smithy/core/schema';
import type { ServiceName } from './errors';

/** A parsed XML element: name, child elements in order, and its text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) =>
    e.startsWith('#x') || e.startsWith('#X')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : ENTITIES[e],
  );
}

/** A strict parser for the XML the emulator writes (elements, attributes, text; no CDATA or DTD). */
export function parseXml(xml: string): XmlElement {
  const source = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/g;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let last = 0;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const between = source.slice(last, m.index);
    if (stack.length) stack[stack.length - 1].text += decode(between);
    else if (between.trim()) throw new Error(`text outside the root element: ${between.slice(0, 40)}`);
    last = tag.lastIndex;
    const [, closing, name, rawAttributes, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> does not close <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of rawAttributes.matchAll(/([\w:.-]+)="([^"]*)"/g)) attributes[a[1]] = decode(a[2]);
    const element: XmlElement = { name, attributes, children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(element);
    else if (root) throw new Error('a second root element');
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1].name}> is not closed`);
  if (source.slice(last).trim()) throw new Error('text after the root element');
  if (!root) throw new Error('no root element');
  return root;
}

type Problems = string[];

function checkScalar(schema: NormalizedSchema, text: string, path: string, problems: Problems): void {
  if (schema.isBooleanSchema() && text !== 'true' && text !== 'false')
    problems.push(`${path}: "${text}" is not a boolean`);
  else if (schema.isNumericSchema() && !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text))
    problems.push(`${path}: "${text}" is not a number`);
  else if (schema.isTimestampSchema() && !Number.isFinite(Date.parse(text)))
    problems.push(`${path}: "${text}" is not a timestamp`);
}

/** The XML name of a member: its xmlName trait, else the member name. */
function xmlNameOf(member: NormalizedSchema, memberName: string): string {
  const traits = member.getMergedTraits();
  return typeof traits.xmlName === 'string' ? traits.xmlName : memberName;
}

/** Checks `element` (the member's own element) against `schema`. */
function checkXmlValue(schema: NormalizedSchema, element: XmlElement, path: string, problems: Problems): void {
  if (schema.isStructSchema()) {
    const byXmlName = new Map<string, NormalizedSchema>();
    for (const [name, member] of schema.structIterator()) byXmlName.set(xmlNameOf(member, name), member);
    const seen = new Set<string>();
    for (const child of element.children) {
      const member = byXmlName.get(child.name);
      if (!member) {
        problems.push(`${path}: <${child.name}> is not a member of ${schema.getName() ?? 'the structure'}`);
        continue;
      }
      const flattened = Boolean(member.getMergedTraits().xmlFlattened);
      if (seen.has(child.name) && !flattened) problems.push(`${path}: <${child.name}> appears twice`);
      seen.add(child.name);
      checkXmlValue(member, child, `${path}/${child.name}`, problems);
    }
    return;
  }
  if (schema.isListSchema()) {
    const item = schema.getValueSchema();
    const itemName =
      typeof item.getMergedTraits().xmlName === 'string' ? String(item.getMergedTraits().xmlName) : 'member';
    element.children.forEach((child, i) => {
      if (child.name !== itemName) problems.push(`${path}: list entry <${child.name}>, the model says <${itemName}>`);
      checkXmlValue(item, child, `${path}/${itemName}[${i}]`, problems);
    });
    return;
  }
  if (schema.isMapSchema()) {
    element.children.forEach((entry, i) => {
      const names = entry.children.map((c) => c.name).join(',');
      if (entry.name !== 'entry' || names !== 'key,value')
        problems.push(
          `${path}[${i}]: a map entry must be <entry><key/><value/></entry>, got <${entry.name}> with ${names}`,
        );
      const value = entry.children.find((c) => c.name === 'value');
      if (value) checkXmlValue(schema.getValueSchema(), value, `${path}[${i}]/value`, problems);
    });
    return;
  }
  if (element.children.length)
    problems.push(`${path}: a scalar holds elements (${element.children.map((c) => c.name).join(', ')})`);
  checkScalar(schema, element.text, path, problems);
}

function checkJsonValue(schema: NormalizedSchema, value: unknown, path: string, problems: Problems): void {
  if (value === null || value === undefined) return;
  if (schema.isUnitSchema()) {
    // An operation without output answers an empty object.
    if (typeof value !== 'object' || Object.keys(value as object).length)
      problems.push(`${path}: the model has no output, got ${JSON.stringify(value)}`);
    return;
  }
  if (schema.isStructSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${path}: expected an object`);
    const members = new Map<string, NormalizedSchema>();
    for (const [name, member] of schema.structIterator())
      members.set(
        typeof member.getMergedTraits().jsonName === 'string' ? String(member.getMergedTraits().jsonName) : name,
        member,
      );
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const member = members.get(key);
      if (!member) problems.push(`${path}: "${key}" is not a member of ${schema.getName() ?? 'the structure'}`);
      else checkJsonValue(member, child, `${path}.${key}`, problems);
    }
    return;
  }
  if (schema.isListSchema()) {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected a list`);
    value.forEach((v, i) => checkJsonValue(schema.getValueSchema(), v, `${path}[${i}]`, problems));
    return;
  }
  if (schema.isMapSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${path}: expected a map`);
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      checkJsonValue(schema.getValueSchema(), v, `${path}.${k}`, problems);
    return;
  }
  if (schema.isDocumentSchema()) return;
  // awsJson1_1 writes timestamps as epoch seconds.
  const expected = schema.isBooleanSchema()
    ? 'boolean'
    : schema.isNumericSchema() || schema.isTimestampSchema()
      ? 'number'
      : 'string';
  if (typeof value !== expected) problems.push(`${path}: ${JSON.stringify(value)} is not a ${expected}`);
}

/** An operation schema as the clients export it: `[9, namespace, name, traits, input, output]`. */
export type OperationSchema = readonly unknown[];

/** Problems of a successful answer of `operation`; empty when it follows the model. */
export function checkAnswer(service: ServiceName, operation: OperationSchema, action: string, body: string): string[] {
  const problems: Problems = [];
  const output = NormalizedSchema.of(operation[5] as never);
  if (service === 'kms' || service === 'cloudtrail') {
    checkJsonValue(output, JSON.parse(body) as unknown, action, problems);
    return problems;
  }
  const root = parseXml(body);
  if (root.name !== `${action}Response`) problems.push(`root <${root.name}>, expected <${action}Response>`);
  if (service === 'ec2') {
    // EC2 puts its request id first, beside the output members (not modelled: the SDK reads it as metadata).
    const [first, ...rest] = root.children;
    if (first?.name !== 'requestId') problems.push('EC2 answers start with <requestId>');
    checkXmlValue(output, { ...root, children: rest }, action, problems);
    return problems;
  }
  const names = root.children.map((c) => c.name).join(',');
  if (names !== `${action}Result,ResponseMetadata`)
    problems.push(`<${root.name}> holds ${names}, expected ${action}Result,ResponseMetadata`);
  const result = root.children.find((c) => c.name === `${action}Result`);
  if (result) checkXmlValue(output, result, `${action}Result`, problems);
  const metadata = root.children.find((c) => c.name === 'ResponseMetadata');
  if (metadata && metadata.children.map((c) => c.name).join(',') !== 'RequestId')
    problems.push('ResponseMetadata holds only RequestId');
  return problems;
}

/** Problems of an error answer: each protocol's envelope, and a code and message. */
export function checkError(service: ServiceName, body: string): string[] {
  if (service === 'kms' || service === 'cloudtrail') {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const keys = Object.keys(parsed).sort().join(',');
    return keys === '__type,message' && typeof parsed.__type === 'string' && typeof parsed.message === 'string'
      ? []
      : [`JSON error with keys ${keys}`];
  }
  const root = parseXml(body);
  const shape = (e: XmlElement): string => `${e.name}(${e.children.map(shape).join(',')})`;
  const expected =
    service === 'ec2'
      ? 'Response(Errors(Error(Code(),Message())),RequestID())'
      : 'ErrorResponse(Error(Type(),Code(),Message()),RequestId())';
  return shape(root) === expected ? [] : [`error envelope ${shape(root)}, expected ${expected}`];
}
