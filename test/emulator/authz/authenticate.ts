/**
 * Authentication as AWS performs it before any authorization: the session token, the signing
 * date, the SigV4 signature, the clock skew and the credentials' expiry, each refused with the
 * service's own error (IAM User Guide, signature-v4-troubleshooting.html; STS API reference).
 */
import type { IncomingMessage } from 'node:http';
import {
  AwsError,
  authFailure,
  expiredToken,
  signatureMismatch,
  signatureOutOfTime,
  type ServiceName,
} from '../errors';
import type { Caller } from '../state';
import { parseAmzDate, verifySignature, type Authorization } from './sigv4';

/** AWS refuses a request signed more than 5 minutes away from its clock. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/** The error AWS answers for these credentials and this signature, or undefined when they hold. */
export async function authenticate(
  service: ServiceName,
  req: IncomingMessage,
  body: string,
  auth: Authorization,
  caller: Caller,
  maxSkewMs = DEFAULT_MAX_SKEW_MS,
): Promise<AwsError | undefined> {
  // Temporary credentials are the access key id, secret and session token together: a missing
  // or different token is an unknown credential (STS API reference, "Temporary credentials").
  const token = req.headers['x-amz-security-token'];
  if ((caller.principal.sessionToken ?? undefined) !== (typeof token === 'string' ? token : undefined))
    return authFailure(service);
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt)
    return new AwsError(
      'IncompleteSignature',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      400,
    );
  const check = await verifySignature(req, body, auth, caller.principal.secretAccessKey, amzDate);
  if (!check.ok) return signatureMismatch(service, check.canonicalRequest, check.stringToSign);
  const now = new Date();
  if (Math.abs(now.getTime() - signedAt.getTime()) > maxSkewMs) return signatureOutOfTime(service, signedAt, now);
  if (caller.principal.expired || (caller.expiresAt !== undefined && caller.expiresAt < now.getTime()))
    return expiredToken(service);
  return undefined;
}
