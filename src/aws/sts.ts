import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CallerIdentity, Outcome } from '../core/model';
import type { SessionPort, SignalOption } from './session';

/**
 * Who a profile signs in as (STS GetCallerIdentity), asked every time. Sessions cache it per
 * profile: use `AwsSession.callerIdentity`, which shares one request among its callers.
 */
export async function getCallerIdentity(
  session: Pick<SessionPort, 'send'>,
  profile: string,
  region: string,
  options: SignalOption = {},
): Promise<Outcome<CallerIdentity>> {
  const out = await session.send(
    'STS',
    profile,
    region,
    new GetCallerIdentityCommand({}),
    'sts:GetCallerIdentity',
    options,
  );
  if (!out.ok) return out;
  return {
    ok: true,
    value: { account: out.value.Account ?? '', arn: out.value.Arn ?? '', userId: out.value.UserId ?? '' },
  };
}
