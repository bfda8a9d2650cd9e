/**
 * What Node's HTTP parser refuses before the app sees a request (a request head over 16 KiB, an
 * unknown method token, a malformed request line, Content-Length beside Transfer-Encoding, an
 * Expect other than 100-continue) is answered like everything else: RFC 9457 problem+json with
 * Cache-Control: no-store, instead of Node's bare 400/431/417. A client that sends no whole
 * request head in time is disconnected without an answer.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Problem, PROBLEM_CONTENT_TYPE, PROBLEMS } from './problems.ts';

/** The answer, without its body when the request was a HEAD (a HEAD client reads none). */
function raw(problem: Problem, head: boolean): string {
  // No request was read, so none carried an id: this answer gets a fresh one, as every answer does.
  const requestId = randomUUID();
  const body = JSON.stringify(problem.body(requestId));
  const lines = [
    `HTTP/1.1 ${problem.status} ${PROBLEMS[problem.type].title}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    '',
  ];
  return lines.join('\r\n') + (head ? '' : body);
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable) {
      socket.destroy();
      return;
    }
    const problem =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new Problem('headers-too-large', 'The request line and headers together exceed 16 KiB.')
        : new Problem('malformed-request', 'The request is not valid HTTP/1.1.');
    // The parser hands over the bytes it failed on, from the start of the request: enough to see
    // a HEAD, whose answer must have no body.
    const head = error.rawPacket instanceof Buffer && error.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(raw(problem, head));
  });
  // Node answers any Expect but 100-continue itself; say why, in the same form as everything else.
  server.on('checkExpectation', (req, res) => {
    const problem = new Problem('expectation-failed', 'Only Expect: 100-continue is supported.');
    const requestId = randomUUID();
    res.writeHead(problem.status, {
      'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
      'cache-control': 'no-store',
      'x-request-id': requestId,
      connection: 'close',
    });
    res.end(JSON.stringify(problem.body(requestId)));
  });
}
