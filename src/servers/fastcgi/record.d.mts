// Types for record.mjs, so the TypeScript side (the `fcgi` command, tests) can import the codec.
export const VERSION: 1;
export const HEADER_LENGTH: 8;
export const MAX_CONTENT: 65535;
export const TYPE: {
  BEGIN_REQUEST: 1;
  ABORT_REQUEST: 2;
  END_REQUEST: 3;
  PARAMS: 4;
  STDIN: 5;
  STDOUT: 6;
  STDERR: 7;
  DATA: 8;
  GET_VALUES: 9;
  GET_VALUES_RESULT: 10;
  UNKNOWN_TYPE: 11;
};
export const ROLE: { RESPONDER: 1; AUTHORIZER: 2; FILTER: 3 };
export const KEEP_CONN: 1;
export const PROTOCOL_STATUS: { REQUEST_COMPLETE: 0; CANT_MPX_CONN: 1; OVERLOADED: 2; UNKNOWN_ROLE: 3 };
export const MANAGEMENT_NAMES: string[];
export interface FcgiRecord {
  type: number;
  requestId: number;
  contentLength: number;
  paddingLength: number;
  content: Buffer;
}
export function typeName(type: number): string;
export function protocolStatusName(status: number): string;
export function isStreamType(type: number): boolean;
export function encodeRecord(type: number, requestId: number, content?: Buffer): Buffer;
export function encodeStream(type: number, requestId: number, data: Buffer): Buffer[];
export function encodePairs(pairs: [string, string][]): Buffer;
export function decodePairs(content: Buffer): { pairs: [string, string][]; error?: string };
export function beginRequestBody(role?: number, flags?: number): Buffer;
export function parseBeginRequest(
  content: Buffer,
): { role: number; keepConn: boolean; error?: undefined } | { error: string };
export function endRequestBody(appStatus?: number, protocolStatus?: number): Buffer;
export function parseEndRequest(
  content: Buffer,
): { appStatus: number; protocolStatus: number; error?: undefined } | { error: string };
export function unknownTypeBody(type: number): Buffer;
export class RecordParser {
  error: string | null;
  push(chunk: Buffer): { records: FcgiRecord[]; error?: string };
  readonly pending: number;
  end(): { error: string | null };
}
