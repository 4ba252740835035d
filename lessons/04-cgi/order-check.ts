// The edit step's check: the learner's cgi-bin/order must answer three requests exactly, with
// values made up for this check run, so only a script that really reads QUERY_STRING, its body
// and REQUEST_METHOD can pass. Every difference is named: which request, which part, what came
// back, and what was expected.
import { fail, pass } from '../../src/engine/check-helpers.js';
import type { CheckContext, CheckResult } from '../../src/engine/types.js';
import { ask, quote, type Reply } from './script-client.js';

const ITEMS = ['tea', 'scones', 'lemons', 'muffins', 'pears', 'bagels', 'figs', 'olives', 'cocoa'];

function pick<T>(list: T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

interface Order {
  item: string;
  qty: number;
  body: string;
}

/** Two orders: one body with only qty, one where qty is not the first field. */
function orders(): [Order, Order] {
  const first = pick(ITEMS);
  const second = pick(ITEMS.filter((i) => i !== first));
  const qty1 = 2 + Math.floor(Math.random() * 40);
  const qty2 = 50 + Math.floor(Math.random() * 900);
  return [
    { item: first, qty: qty1, body: `qty=${qty1}` },
    { item: second, qty: qty2, body: `gift=yes&qty=${qty2}&note=ring+twice` },
  ];
}

export async function checkOrder(ctx: CheckContext): Promise<CheckResult> {
  for (const order of orders()) {
    const path = `/cgi-bin/order?item=${order.item}`;
    const line = `POST ${path} with the body "${order.body}"`;
    const exchange = await ask(ctx, { method: 'POST', path, body: order.body });
    if (!exchange.ok) return exchange.problem;
    const problem = orderProblem(line, exchange.reply, order);
    if (problem) return problem;
  }

  const path = `/cgi-bin/order?item=${pick(ITEMS)}`;
  const exchange = await ask(ctx, { method: 'GET', path });
  if (!exchange.ok) return exchange.problem;
  const { reply } = exchange;
  if (reply.status !== 405) {
    return fail({
      message: `GET ${path} answered ${reply.status}: a GET must not place an order.`,
      saw: quote(reply),
      expected: 'Status: 405 Method Not Allowed (check REQUEST_METHOD first)',
      details: serverSays(reply),
    });
  }
  if (!(reply.headers.get('allow') ?? '').toUpperCase().includes('POST')) {
    return fail({
      message: `GET ${path} answered 405, but without saying which method is allowed.`,
      saw: `Allow: ${reply.headers.get('allow') ?? '(missing)'}`,
      expected: 'Allow: POST (a 405 must carry an Allow header, RFC 9110 §15.5.6)',
    });
  }
  return pass(
    'Your script answers exactly: 201 Created with X-Order and "N x ITEM" for the orders the check made up, and 405 with Allow: POST for a GET.',
  );
}

function orderProblem(line: string, reply: Reply, order: Order): CheckResult | null {
  const details = serverSays(reply);
  if (reply.status >= 500) {
    return fail({
      message: `${line}: the server could not use your script's answer (${reply.status}).`,
      saw: details[0] ?? quote(reply),
      expected: '201 Created from your script',
      details: [
        ...details.slice(1),
        'Run the request yourself with curl -si to see it, and look at the lab log for stderr.',
      ],
    });
  }
  if (reply.status !== 201) {
    return fail({
      message: `${line} answered ${reply.status} ${reply.reason}.`,
      saw: quote(reply),
      expected: 'Status: 201 Created',
      details: details,
    });
  }
  const type = reply.headers.get('content-type') ?? '';
  if (type.split(';')[0]!.trim().toLowerCase() !== 'text/plain') {
    return fail({
      message: `${line}: the Content-Type is wrong.`,
      saw: type || '(no Content-Type)',
      expected: 'Content-Type: text/plain',
    });
  }
  const xOrder = reply.headers.get('x-order');
  if (xOrder !== order.item) {
    return fail({
      message: `${line}: the X-Order header is ${xOrder === null ? 'missing' : `"${xOrder}"`}.`,
      saw: xOrder === null ? 'no X-Order header' : `X-Order: ${xOrder}`,
      expected: `X-Order: ${order.item} (the item from QUERY_STRING)`,
    });
  }
  const want = `${order.qty} x ${order.item}\n`;
  if (reply.body !== want && reply.body !== want.trimEnd()) {
    return fail({
      message: `${line}: the body is not "${want.trimEnd()}".`,
      saw: JSON.stringify(reply.body.slice(0, 160)),
      expected: JSON.stringify(want),
      details: order.body.includes('&')
        ? ['This body has more fields than qty: split it on "&" and find the one named qty.']
        : ['qty comes from the request body (read CONTENT_LENGTH bytes from stdin), item from QUERY_STRING.'],
    });
  }
  return null;
}

/** The lab server puts its reason in the body of its own error answers: quote it. */
function serverSays(reply: Reply): string[] {
  if (reply.status < 400) return [];
  const lines = reply.body.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 1 ? [lines.slice(1).join(' ')] : [];
}
