// Types for cgi-response.mjs (tests and the `fcgi` command read CGI responses with it).
export const MAX_HEADER_BYTES: number;
export type CgiHead =
  | { status: number; reason: string; headers: [string, string][]; rest: Buffer; error?: undefined }
  | { error: string };
export class CgiHeaderReader {
  done: boolean;
  push(chunk: Buffer): CgiHead | null;
  end(): { error: string } | null;
}
export function parseHeaderBlock(
  block: string,
): { status: number; reason: string; headers: [string, string][]; error?: undefined } | { error: string };
