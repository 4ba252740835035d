#!/usr/bin/env node
// echo.sh in JavaScript: process.env holds the meta-variables, stdin the body.
const env = process.env;
const length = Number(env.CONTENT_LENGTH ?? 0);
const chunks = [];
let size = 0;
if (length > 0) {
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= length) break; // read CONTENT_LENGTH bytes, no more
  }
}
const body = Buffer.concat(chunks).subarray(0, length).toString('utf8');
const query = Object.fromEntries(new URLSearchParams(env.QUERY_STRING));
const fields = env.CONTENT_TYPE?.startsWith('application/x-www-form-urlencoded')
  ? Object.fromEntries(new URLSearchParams(body))
  : {};

process.stdout.write('Content-Type: text/plain; charset=utf-8\n\n');
console.log(`REQUEST_METHOD: ${env.REQUEST_METHOD}`);
console.log(`query:          ${JSON.stringify(query)}`);
console.log(`CONTENT_TYPE:   ${env.CONTENT_TYPE ?? '(none)'}`);
console.log(`body fields:    ${JSON.stringify(fields)}`);
console.log(`node:           ${process.version}, process ${process.pid}`);
