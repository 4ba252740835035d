// The reason phrase on a status line: "HTTP/1.1 413 Content Too Large".
//
// node's http.STATUS_CODES still has the phrases of RFC 7231, and RFC 9110 (2022) renamed two of
// them. Clients go by the number and ignore the phrase (RFC 9112 §4), but the learner reads it,
// and the lesson text quotes RFC 9110, so the proxy says what RFC 9110 says.
import { STATUS_CODES } from 'node:http';

const RFC_9110 = new Map([
  [413, 'Content Too Large'], // RFC 9110 §15.5.14 (node: "Payload Too Large")
  [422, 'Unprocessable Content'], // RFC 9110 §15.5.21 (node: "Unprocessable Entity")
]);

/** The RFC 9110 reason phrase for a status code ("" for a code nobody named). */
export function reasonPhrase(status) {
  return RFC_9110.get(status) ?? STATUS_CODES[status] ?? '';
}
