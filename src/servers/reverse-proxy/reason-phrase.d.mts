// Types for reason-phrase.mjs, so the TypeScript tests can import it.
export function reasonPhrase(status: number): string;
