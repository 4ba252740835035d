// Types for body-limit.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
export function declaredTooLarge(headers: Record<string, string | string[] | undefined>, limit: number): boolean;
export function discardBody(req: import('node:http').IncomingMessage, maxBytes: number): void;
export class BodyTooLargeError extends Error {
  constructor(limit: number);
  code: 'BODY_TOO_LARGE';
}
