// Types for cache.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
type Headers = Record<string, string | string[] | undefined>;
export function freshnessLifetime(status: number, headers: Headers): number;
export function storeLifetime(requestHeaders: Headers, status: number, headers: Headers): number;
export function sharedDespiteAuthorization(headers: Headers): boolean;
export function parseCacheControl(value: string | undefined): Map<string, string | true>;
export function requestWantsFresh(headers: Headers): boolean;
export class ResponseCache {
  constructor(options?: { maxEntryBytes?: number; maxTotalBytes?: number; now?: () => number });
  maxEntryBytes: number;
  totalBytes: number;
  entries: Map<string, unknown[]>;
  lookup(
    key: string,
    requestHeaders: Headers,
  ): { status: number; headers: [string, string][]; body: Buffer; age: number } | undefined;
  store(
    key: string,
    requestHeaders: Headers,
    response: { status: number; headers: Headers; pairs: [string, string][]; body: Buffer },
  ): boolean;
}
