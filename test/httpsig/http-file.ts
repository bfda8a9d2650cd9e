/** Reading the HTTP/1.1 request files of the httpsig examples (../shared/vectors/httpsig-mldsa). */
import type { HttpRequestLike } from '../../src/httpsig/base.ts';

/**
 * An HTTP/1.1 request as the example file writes it, on https (the scheme RFC 9421's examples
 * use; these bases cover no component that shows it). The body is Content-Length bytes: the
 * file's final newline is the file's, not the request's.
 */
export function parseHttpFile(text: string, scheme = 'https'): HttpRequestLike {
  const [head = '', ...rest] = text.split('\n\n');
  const [requestLine = '', ...fieldLines] = head.split('\n');
  const [method = '', target = ''] = requestLine.split(' ');
  const headers: Record<string, string[]> = {};
  for (const line of fieldLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const body = Buffer.from(rest.join('\n\n'), 'utf8').subarray(0, Number(headers['content-length']?.[0] ?? 0));
  return { method, url: `${scheme}://${headers.host![0]}${target}`, headers, body: new Uint8Array(body) };
}
