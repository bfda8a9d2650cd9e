/**
 * A raw HTTP/1.1 client for the hostile suite: node:http with the request line and headers exactly
 * as given (duplicates, odd case, odd methods, unnormalised paths), so nothing is cleaned up on
 * the way as fetch() would (it resolves dot segments, merges headers and refuses some methods).
 * Not a test file itself.
 */
import http, { type IncomingHttpHeaders } from 'node:http';

export interface RawRequest {
  readonly method: string;
  /** The request target as sent: path and query, not normalised. */
  readonly target: string;
  /** Header lines in order; a name may repeat. `host` and `content-length` are added unless present. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
  /** Leave out Content-Length (with Transfer-Encoding: chunked, for instance). */
  readonly noContentLength?: boolean;
  /** A connection of its own, for requests that may leave the connection unusable. */
  readonly fresh?: boolean;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly body: unknown;
}

export class RawClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  readonly #host: string;
  readonly #port: number;

  constructor(base: string) {
    const url = new URL(base);
    this.#host = url.hostname;
    this.#port = Number(url.port);
  }

  send(req: RawRequest): Promise<RawAnswer> {
    const names = new Set(req.headers.map(([n]) => n.toLowerCase()));
    const lines: string[] = [];
    if (!names.has('host')) lines.push('host', `${this.#host}:${this.#port}`);
    for (const [name, value] of req.headers) lines.push(name, value);
    if (req.body && !req.noContentLength && !names.has('content-length')) lines.push('content-length', String(req.body.length));
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        {
          host: this.#host,
          port: this.#port,
          method: req.method,
          path: req.target,
          // The array form sends each line as given (node:http then adds nothing of its own).
          headers: lines as unknown as http.OutgoingHttpHeaders,
          agent: req.fresh ? false : this.#agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
          });
        },
      );
      outgoing.setTimeout(20_000, () => outgoing.destroy(new Error(`no answer within 20 s to ${req.method} ${req.target.slice(0, 80)}`)));
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
