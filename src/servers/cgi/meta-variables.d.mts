// Types for meta-variables.mjs, so the TypeScript tests can import it.
export interface CgiRequestInfo {
  method: string;
  httpVersion: string;
  headers: [string, string][];
  scriptName: string;
  pathInfo: string;
  queryString: string;
  requestUri: string;
  contentLength: number | null;
  remoteAddress: string;
  remotePort: number;
  localPort: number;
  scriptFile: string;
  documentRoot: string;
  software: string;
  path: string;
}
export function metaVariables(request: CgiRequestInfo): { env: Record<string, string>; leftOut: string[] };
export function scriptPath(nodeBinDir?: string): string;
export function searchWords(method: string, queryString: string): string[];
