// Types for rules.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
export type HeaderPairs = [string, string][];

export interface LabSite {
  name: string;
  publicPort: number;
  tls: boolean;
  server: string;
  host: string;
  port: number;
  url: string;
}

export const BLOCKED_SITES: Set<string>;
export const STAFF_CREDENTIALS: { user: string; password: string };
export function labSites(servers: { name: string; url: string }[], self: string): Map<string, LabSite>;
export function describeSites(sites: Map<string, LabSite>): string;
export function parseAbsoluteTarget(
  target: string,
): { scheme: string; host: string; port: number; hostHeader: string; path: string } | null;
export function parseAuthority(target: string): { host: string; port: number } | null;
export function requestHeadersForOrigin(
  pairs: HeaderPairs,
  options: { method: string; hostHeader: string; via: string; httpVersion?: string },
): HeaderPairs;
export function responseHeadersForClient(
  pairs: HeaderPairs,
  options: { via: string; httpVersion?: string },
): HeaderPairs;
export function answersItself(method: string, pairs: HeaderPairs): boolean;
export function checkProxyAuth(
  value: string | undefined,
  credentials?: { user: string; password: string },
): 'ok' | 'missing' | 'wrong';
export function proxyName(secret: string | undefined): string;
