// Types for cache.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
export type HeaderPairs = [string, string][];
export type Directives = Map<string, string | true>;

export function parseCacheControl(value: string | undefined): Directives;
export function seconds(directives: Directives, name: string): number | undefined;
export function headerValue(pairs: HeaderPairs, name: string): string | undefined;
export function freshnessLifetime(responseHeaders: HeaderPairs): number | undefined;
export function storable(
  method: string,
  requestHeaders: HeaderPairs,
  status: number,
  responseHeaders: HeaderPairs,
): { store: true } | { store: false; reason: string };

export interface CacheEntry {
  status: number;
  statusMessage?: string;
  headers: HeaderPairs;
  body: Buffer;
  storedAt: number;
  initialAge: number;
  lifetime: number;
}

export function allowsSharingAuthorized(responseDirectives: Directives): boolean;
export function currentAge(entry: CacheEntry, now?: number): number;
export function usable(
  entry: CacheEntry | undefined,
  requestHeaders: HeaderPairs,
  now?: number,
): { hit: true; age: number } | { hit: false; reason: string; bypass?: true };

export class ResponseCache {
  constructor(options?: { maxEntries?: number; maxBodyBytes?: number });
  readonly maxEntries: number;
  readonly maxBodyBytes: number;
  get(url: string): CacheEntry | undefined;
  put(
    url: string,
    response: { status: number; statusMessage?: string; headers: HeaderPairs; body: Buffer; now?: number },
  ): boolean;
  delete(url: string): void;
}
