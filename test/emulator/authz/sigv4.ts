/**
 * Signature Version 4, checked with a real implementation (@smithy/signature-v4): the
 * emulator recomputes the canonical request and the signature from the request as received
 * and the secret key the scenario holds for the access key id.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { getCanonicalHeaders, getPayloadHash, SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import type { IncomingMessage } from 'node:http';

/** SHA-256 (or its HMAC when given a secret) in the shape the signer expects, from node:crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** The fields of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/;

/** Parses the header; undefined when it is absent or not SigV4. */
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  const match = header ? AUTHORIZATION.exec(header.trim()) : null;
  if (!match) return undefined;
  return {
    accessKeyId: match[1],
    date: match[2],
    region: match[3],
    service: match[4],
    signedHeaders: match[5].split(';'),
    signature: match[6],
  };
}

/** Exposes the canonical request and string to sign, which AWS repeats in its mismatch message. */
class Verifier extends SignatureV4 {
  canonicalRequest(request: HttpRequest, signedHeaders: string[], payloadHash: string): string {
    return this.createCanonicalRequest(
      request,
      getCanonicalHeaders(request, undefined, new Set(signedHeaders)),
      payloadHash,
    );
  }
  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, 'AWS4-HMAC-SHA256');
  }
}

export type SignatureCheck = { ok: true } | { ok: false; canonicalRequest: string; stringToSign: string };

/** `20250101T120000Z` as a Date. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function toHttpRequest(req: IncomingMessage, body: string, signedHeaders: string[]): HttpRequest {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const prior = query[name];
    query[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: req.method ?? 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    path: url.pathname,
    query,
    headers,
    body,
  } as HttpRequest;
}

/** Recomputes the signature with `secretAccessKey`; reports the canonical strings on a mismatch. */
export async function verifySignature(
  req: IncomingMessage,
  body: string,
  auth: Authorization,
  secretAccessKey: string,
  amzDate: string,
): Promise<SignatureCheck> {
  const verifier = new Verifier({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
  });
  const request = toHttpRequest(req, body, auth.signedHeaders);
  const payloadHash = await getPayloadHash(request, Sha256);
  const canonicalRequest = verifier.canonicalRequest(request, auth.signedHeaders, payloadHash);
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = await verifier.stringToSign(amzDate, scope, canonicalRequest);
  const signingDate = parseAmzDate(amzDate) ?? new Date(0);
  const expected = await verifier.sign(stringToSign, {
    signingDate,
    signingRegion: auth.region,
    signingService: auth.service,
  });
  return expected === auth.signature ? { ok: true } : { ok: false, canonicalRequest, stringToSign };
}
