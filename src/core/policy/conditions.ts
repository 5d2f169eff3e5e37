/**
 * The IAM Condition block: operators AND-ed, keys AND-ed, values OR-ed, keys matched
 * case-insensitively. Semantics follow the IAM User Guide, "IAM JSON policy elements:
 * Condition operators" and "Single-valued vs. multivalued context keys".
 */
import { substitute } from './values';
import { matchArn, matchWildcard } from './match';

export type ContextValue = string | string[] | boolean;
export type ConditionContext = ReadonlyMap<string, ContextValue>;

/**
 * Condition key names lower-cased, by name as written. The analyzer builds a context for
 * every request it evaluates, with the same few key names each time: lower-casing them
 * anew was most of the work. Bounded, so that names from hostile input cannot grow it.
 */
const lowerCaseNames = new Map<string, string>();
const LOWER_CASE_NAMES_LIMIT = 1000;

function lowerCaseName(name: string): string {
  let lower = lowerCaseNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCaseNames.size >= LOWER_CASE_NAMES_LIMIT) lowerCaseNames.clear();
    lowerCaseNames.set(name, lower);
  }
  return lower;
}

/** Lower-cases the context's keys once so each condition lookup is a single map hit. */
export function normalizeContext(keys: Record<string, ContextValue>): Map<string, ContextValue> {
  const map = new Map<string, ContextValue>();
  if (keys && typeof keys === 'object') {
    for (const k of Object.keys(keys)) {
      const v = keys[k];
      if (typeof v === 'string' || typeof v === 'boolean' || Array.isArray(v)) map.set(lowerCaseName(k), v);
    }
  }
  return map;
}

type Comparator = (policyValue: string, contextValue: string) => boolean;

interface OperatorSpec {
  compare: Comparator;
  /** Negated operators (StringNotEquals, ArnNotLike...) are true when the key is absent. */
  negated: boolean;
}

function compareNumbers(op: (a: number, b: number) => boolean): Comparator {
  return (p, c) => {
    if (p.trim() === '' || c.trim() === '') return false;
    const a = Number(c);
    const b = Number(p);
    return Number.isFinite(a) && Number.isFinite(b) && op(a, b);
  };
}

function toEpoch(value: string): number {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  return Date.parse(value);
}

function compareDates(op: (a: number, b: number) => boolean): Comparator {
  return (p, c) => {
    const a = toEpoch(c);
    const b = toEpoch(p);
    return Number.isFinite(a) && Number.isFinite(b) && op(a, b);
  };
}

function ipToBigInt(ip: string): { value: bigint; bits: number } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const octets = ip.split('.').map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n), bits: 32 };
  }
  if (ip.includes(':') && /^[0-9a-fA-F:]+$/.test(ip)) {
    const halves = ip.split('::');
    if (halves.length > 2) return undefined;
    const head = halves[0] ? halves[0].split(':') : [];
    const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
    const missing = 8 - head.length - tail.length;
    if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
    const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
    if (groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
    return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), bits: 128 };
  }
  return undefined;
}

const compareIp: Comparator = (p, c) => {
  const [net, prefixText] = p.split('/');
  const range = ipToBigInt(net);
  const ip = ipToBigInt(c);
  if (!range || !ip || range.bits !== ip.bits) return false;
  const prefix = prefixText === undefined ? range.bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > range.bits) return false;
  const shift = BigInt(range.bits - prefix);
  return range.value >> shift === ip.value >> shift;
};

const OPERATORS: Record<string, OperatorSpec> = {
  stringequals: { compare: (p, c) => p === c, negated: false },
  stringnotequals: { compare: (p, c) => p === c, negated: true },
  stringequalsignorecase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  stringnotequalsignorecase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  stringlike: { compare: (p, c) => matchWildcard(p, c), negated: false },
  stringnotlike: { compare: (p, c) => matchWildcard(p, c), negated: true },
  numericequals: { compare: compareNumbers((a, b) => a === b), negated: false },
  numericnotequals: { compare: compareNumbers((a, b) => a === b), negated: true },
  numericlessthan: { compare: compareNumbers((a, b) => a < b), negated: false },
  numericlessthanequals: { compare: compareNumbers((a, b) => a <= b), negated: false },
  numericgreaterthan: { compare: compareNumbers((a, b) => a > b), negated: false },
  numericgreaterthanequals: { compare: compareNumbers((a, b) => a >= b), negated: false },
  dateequals: { compare: compareDates((a, b) => a === b), negated: false },
  datenotequals: { compare: compareDates((a, b) => a === b), negated: true },
  datelessthan: { compare: compareDates((a, b) => a < b), negated: false },
  datelessthanequals: { compare: compareDates((a, b) => a <= b), negated: false },
  dategreaterthan: { compare: compareDates((a, b) => a > b), negated: false },
  dategreaterthanequals: { compare: compareDates((a, b) => a >= b), negated: false },
  bool: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  binaryequals: { compare: (p, c) => p === c, negated: false },
  ipaddress: { compare: compareIp, negated: false },
  notipaddress: { compare: compareIp, negated: true },
  arnequals: { compare: matchArn, negated: false },
  arnlike: { compare: matchArn, negated: false },
  arnnotequals: { compare: matchArn, negated: true },
  arnnotlike: { compare: matchArn, negated: true },
};

/** Operator names IAM accepts (lower-cased, without IfExists or set prefixes). */
export const KNOWN_OPERATORS: ReadonlySet<string> = new Set([...Object.keys(OPERATORS), 'null']);

export interface ParsedOperator {
  base: string;
  ifExists: boolean;
  set?: 'any' | 'all';
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; undefined for an unknown operator. */
export function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: ParsedOperator['set'];
  const lower = rest.toLowerCase();
  if (lower.startsWith('foranyvalue:')) {
    set = 'any';
    rest = rest.slice('foranyvalue:'.length);
  } else if (lower.startsWith('forallvalues:')) {
    set = 'all';
    rest = rest.slice('forallvalues:'.length);
  }
  let base = rest.toLowerCase();
  let ifExists = false;
  if (base.endsWith('ifexists') && base !== 'ifexists') {
    ifExists = true;
    base = base.slice(0, -'ifexists'.length);
  }
  if (!KNOWN_OPERATORS.has(base)) return undefined;
  if (base === 'null' && (ifExists || set)) return undefined;
  return { base, ifExists, set };
}

/** Policy condition values are strings, booleans or numbers, alone or in an array. */
function policyValues(raw: unknown): string[] | undefined {
  const list = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'boolean' || typeof v === 'number') out.push(String(v));
    else return undefined;
  }
  return out;
}

function contextValues(value: ContextValue): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/** `${aws:username}`-style policy variables (2012-10-17 only); unknown ones never match. */
function substituteVariables(text: string, context: ConditionContext): string | undefined {
  if (!text.includes('${')) return text;
  let failed = false;
  const out = substitute(text, (inner) => {
    if (inner === '*' || inner === '?' || inner === '$') return inner;
    const comma = inner.indexOf(',');
    const key = (comma >= 0 ? inner.slice(0, comma) : inner).trim().toLowerCase();
    const found = context.get(key);
    if (found !== undefined && !Array.isArray(found)) return String(found);
    if (comma >= 0) {
      const fallback = /^\s*'([^']*)'\s*$/.exec(inner.slice(comma + 1));
      if (fallback) return fallback[1];
    }
    failed = true;
    return '';
  });
  return failed ? undefined : out;
}

function anyMatch(compare: Comparator, policy: string[], value: string): boolean {
  for (const p of policy) if (compare(p, value)) return true;
  return false;
}

/** One `operator: { key: values }` pair for one key, read once. */
interface ConditionClause {
  op: ParsedOperator;
  /** The key lower-cased, as the context holds it. */
  key: string;
  /** The policy's values as strings; undefined when malformed (the clause never holds). */
  values: string[] | undefined;
  /** Whether any value holds a `${...}` to substitute (string and ARN operators only). */
  substitutes: boolean;
}

/** A Condition block read once for many evaluations; `valid` false for a block that never holds. */
export interface CompiledCondition {
  valid: boolean;
  clauses: ConditionClause[];
}

/**
 * Reads a Condition block once: operators parsed, keys lower-cased, values listed. The
 * analyzer evaluates one statement for every principal a policy names.
 */
export function compileCondition(condition: unknown): CompiledCondition {
  const never: CompiledCondition = { valid: false, clauses: [] };
  if (condition === undefined) return { valid: true, clauses: [] };
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return never;
  const clauses: ConditionClause[] = [];
  for (const [opName, block] of Object.entries(condition as Record<string, unknown>)) {
    const op = parseOperator(opName);
    if (!op || !block || typeof block !== 'object' || Array.isArray(block)) return never;
    const substitutable = op.base.startsWith('string') || op.base.startsWith('arn');
    for (const [key, raw] of Object.entries(block as Record<string, unknown>)) {
      const values = policyValues(raw);
      clauses.push({
        op,
        key: key.toLowerCase(),
        values,
        substitutes: substitutable && !!values?.some((v) => v.includes('${')),
      });
    }
  }
  return { valid: true, clauses };
}

/** Evaluates one clause. */
function evaluateClause(clause: ConditionClause, context: ConditionContext, variables: boolean): boolean {
  const { op, values: rawValues } = clause;
  const present = context.get(clause.key);
  if (!rawValues) return false;
  if (op.base === 'null') {
    const absent = present === undefined || (Array.isArray(present) && present.length === 0);
    return rawValues.some((value) => {
      const v = value.toLowerCase();
      return v === 'true' ? absent : v === 'false' ? !absent : false;
    });
  }
  const spec = OPERATORS[op.base];
  let values = rawValues;
  if (variables && clause.substitutes) {
    values = [];
    for (const v of rawValues) {
      const s = substituteVariables(v, context);
      if (s !== undefined) values.push(s);
    }
  }
  if (present === undefined) {
    // IfExists holds for a missing key whatever the set operator: ForAnyValue:...IfExists too.
    if (op.ifExists) return true;
    if (op.set === 'all') return true;
    if (op.set === 'any') return false;
    return spec.negated;
  }
  const actual = contextValues(present);
  if (op.set === 'all') {
    return actual.every((a) => anyMatch(spec.compare, values, a) !== spec.negated);
  }
  if (op.set === 'any') {
    return actual.some((a) => anyMatch(spec.compare, values, a) !== spec.negated);
  }
  if (spec.negated) return actual.every((a) => !anyMatch(spec.compare, values, a));
  return actual.some((a) => anyMatch(spec.compare, values, a));
}

/** True when every clause of a compiled Condition holds in the context. */
export function evaluateCompiledCondition(
  condition: CompiledCondition,
  context: ConditionContext,
  variables = true,
): boolean {
  if (!condition.valid) return false;
  for (const clause of condition.clauses) if (!evaluateClause(clause, context, variables)) return false;
  return true;
}

/**
 * True when every operator and key of a Condition block holds in the context.
 * An unknown operator or a malformed block never holds: the statement then does not apply.
 */
export function evaluateCondition(condition: unknown, context: ConditionContext, variables = true): boolean {
  return evaluateCompiledCondition(compileCondition(condition), context, variables);
}
