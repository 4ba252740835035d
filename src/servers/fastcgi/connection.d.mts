// Types for connection.mjs, so the `fcgi` command (TypeScript) can use the front's FastCGI client.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { FcgiRecord } from './record.mjs';

export class FcgiError extends Error {
  constructor(kind: 'connect' | 'closed' | 'protocol' | 'timeout' | 'busy', message: string);
  kind: 'connect' | 'closed' | 'protocol' | 'timeout' | 'busy';
}
export function parseAddress(address: string): { host: string; port: number } | { path: string };
export type OnRecord = (record: FcgiRecord, dir: 'out' | 'in') => void;
export function openConnection(
  address: string,
  options?: { timeoutMs?: number; onRecord?: OnRecord },
): Promise<FcgiConnection>;
export class FcgiConnection {
  constructor(socket: Socket, options?: { onRecord?: OnRecord });
  socket: Socket;
  closed: boolean;
  closeReason: string;
  id?: number;
  reused?: boolean;
  onRecord: OnRecord;
  readonly busy: boolean;
  request(options: {
    requestId: number;
    params: [string, string][];
    body?: Buffer | Readable | null;
    keepConn?: boolean;
    onStdout?: (chunk: Buffer) => void;
    onStderr?: (chunk: Buffer) => void;
  }): Promise<{ appStatus: number; protocolStatus: number }>;
  abort(requestId: number): void;
  getValues(names: string[]): Promise<Map<string, string>>;
  sendRaw(type: number, requestId: number, content?: Buffer): void;
  close(reason?: string): void;
}
