/**
 * A tiny XML writer for the Query protocols. Responses are built as strings because a page
 * of 1,000 instances must serialize in milliseconds; every helper escapes its text.
 */

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const NEEDS_ESCAPE = /[&<>"']/;

/** Escapes text for an element body or attribute value. */
export function escapeXml(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]) : value;
}

/** `<name>text</name>`, or nothing when the value is absent (the SDK then leaves the member undefined). */
export function text(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>...</name>` around already-serialized children. */
export function element(name: string, children: string): string {
  return `<${name}>${children}</${name}>`;
}

/** A wrapped list: `<name><item>..</item><item>..</item></name>` (EC2 uses `item`, IAM/STS `member`). */
export function list(name: string, itemName: string, items: readonly string[]): string {
  let out = `<${name}>`;
  for (const item of items) out += `<${itemName}>${item}</${itemName}>`;
  return out + `</${name}>`;
}

/** The XML declaration plus a root element carrying the service namespace. */
export function document(root: string, namespace: string, children: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${children}</${root}>`;
}
