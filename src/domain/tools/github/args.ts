/**
 * Typed reads of tool arguments. The MCP adapter has already validated them against the input
 * schema, which does not apply defaults; these apply them, and fall back to the default for any
 * value of the wrong type rather than trusting a cast.
 */
export type Args = Readonly<Record<string, unknown>>;

export function intArg(args: Args, name: string, fallback: number): number {
  const value = args[name];
  return typeof value === 'number' && Number.isInteger(value) ? value : fallback;
}

export function stringArg(args: Args, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

export function enumArg<T extends string>(args: Args, name: string, allowed: readonly T[], fallback: T): T {
  const value = args[name];
  return allowed.find((candidate) => candidate === value) ?? fallback;
}

export function enumListArg<T extends string>(args: Args, name: string, allowed: readonly T[], fallback: readonly T[]): readonly T[] {
  const value = args[name];
  if (!Array.isArray(value)) return fallback;
  const picked = allowed.filter((candidate) => value.includes(candidate));
  return picked.length > 0 ? picked : fallback;
}
