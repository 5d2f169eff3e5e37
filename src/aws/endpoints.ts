import { loadConfig } from '@smithy/node-config-provider';
import { loaderInit, type ProfileSection, type SharedFileOptions } from './profiles';

/**
 * Service ids as the SDK names them; they spell the `AWS_ENDPOINT_URL_<ID>` variables and
 * the `<id>.endpoint_url` keys of a `services` section.
 */
export type ServiceId = 'EC2' | 'KMS' | 'STS' | 'IAM' | 'CloudTrail' | 'Auto Scaling';

type Env = Record<string, string | undefined>;
type ConfigSections = Record<string, ProfileSection | undefined>;

/**
 * Where calls for (profile, service) go, or undefined for the public endpoint.
 *
 * The SDK reads a profile's `endpoint_url` only for the profile named by `AWS_PROFILE`; a
 * client built for another profile would silently call AWS. So each client's endpoint is
 * resolved here, through the SDK's own config loader and with the SDK's precedence:
 * `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `services` section, the
 * profile's `endpoint_url`; nothing at all when `ignore_configured_endpoint_urls` /
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
 */
export async function resolveEndpoint(
  profile: string,
  service: ServiceId,
  files: SharedFileOptions & { ignoreCache?: boolean } = {},
): Promise<string | undefined> {
  const init = { ...loaderInit(files), profile };
  const ignore = await loadConfig(ignoreConfiguredEndpointSelectors, init)();
  if (ignore) return undefined;
  // The loader memoises per call and the ini cache was refreshed above when asked.
  const { ignoreCache: _ignored, ...cached } = init;
  return loadConfig(endpointUrlSelectors(service), cached)();
}

/** Selectors for `ignore_configured_endpoint_urls`, in the shape `loadConfig` takes. */
export const ignoreConfiguredEndpointSelectors = {
  environmentVariableSelector: (env: Env): boolean | undefined => parseBoolean(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS),
  configFileSelector: (profile: ProfileSection): boolean | undefined =>
    parseBoolean(profile.ignore_configured_endpoint_urls),
  default: false,
};

/** Selectors for a service's configured endpoint, in the shape `loadConfig` takes. */
export function endpointUrlSelectors(service: ServiceId) {
  return {
    environmentVariableSelector: (env: Env): string | undefined =>
      env[`AWS_ENDPOINT_URL_${service.split(' ').join('_').toUpperCase()}`] || env.AWS_ENDPOINT_URL || undefined,
    configFileSelector: (profile: ProfileSection, config?: ConfigSections): string | undefined => {
      if (profile.services) {
        const section = config?.[`services.${profile.services}`];
        if (!section) {
          throw new Error(
            `The services section "${profile.services}" named by the profile is not in the shared config file.`,
          );
        }
        const key = `${service.split(' ').join('_').toLowerCase()}.endpoint_url`;
        if (section[key]) return section[key];
      }
      return profile.endpoint_url || undefined;
    },
    default: undefined as string | undefined,
  };
}

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const lowered = value.trim().toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  return undefined;
}
