/** True for an EC2 instance id as a person would type it: `i-` and 8 or 17 hex digits. */
export function isInstanceId(value: string): boolean {
  return /^i-[0-9a-f]{8,17}$/.test(value);
}
