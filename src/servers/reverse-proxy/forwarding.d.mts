// Types for forwarding.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
import type { IncomingMessage } from 'node:http';
export const VIA_NAME: string;
export function newRequestId(): string;
export function forwardedElement(node: { forAddress?: string; proto?: string; host?: string }): string;
export function clientAddress(socket: { remoteAddress?: string }): string;
export function requestHeadersForBackend(
  req: IncomingMessage,
  options: { proto: string; requestId: string; bodySize?: number },
): [string, string][];
export function responseHeadersForClient(rawHeaders: string[], options?: { httpVersion?: string }): [string, string][];
export function pairsOf(raw: string[]): [string, string][];
export function forwardablePairs(raw: string[], drop: Set<string>): [string, string][];
export function getHeader(pairs: [string, string][], name: string): string | undefined;
export function withoutHeader(pairs: [string, string][], name: string): [string, string][];
