/**
 * One serving process: the app on an HTTP server, and the graceful shutdown that loses nothing.
 *
 * Shutdown, once, on the first signal (later ones are ignored):
 * 1. /readyz answers 503 at once, so load balancers and orchestrators stop sending;
 * 2. for SHUTDOWN_DRAIN_MS, new connections are still accepted and served (a balancer needs a
 *    moment to notice; connections the kernel has already queued get picked up), and every
 *    response carries `Connection: close`, so keep-alive clients reconnect elsewhere;
 * 3. the listener closes, once no new connection has come for a moment (200 ms; at most
 *    SHUTDOWN_TIMEOUT_MS more); requests in flight finish, for at most SHUTDOWN_TIMEOUT_MS, after
 *    which the rest are cut (and the exit code is 1); open connections with no request under
 *    way are closed once idle past the keep-alive timeout (a client may send on them until
 *    then), or at that deadline;
 * 4. what buildApp made is released (App.close: worker pools and the like), then the store.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { answerClientErrors } from './http/client-errors.ts';
import type { CryptoBackendInfo } from './crypto/backend.ts';
import { buildApp } from './app.ts';
import { makeDemonstrations, wantsDemonstrations } from './http/examples.ts';
import type { Config } from './config.ts';
import { EXIT, listenFailure, StartupError } from './startup.ts';
import type { Store } from './stores/store.ts';

export interface Serving {
  readonly server: Server;
  /** The port actually bound (PORT=0 picks a free one). */
  readonly port: number;
  /** METRICS_PORT's listener on 127.0.0.1 (serving only /metrics), when configured. */
  readonly metricsPort: number | undefined;
  /** What the crypto backend runs on (for the start banner). */
  readonly crypto: CryptoBackendInfo;
  /** The demonstration resources Swagger UI's examples name, made at start (development only; http/examples.ts). */
  readonly demonstrations: readonly string[];
  /** Starts the graceful shutdown (once; later calls get the same promise): the exit code. */
  shutdown(reason: string): Promise<number>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds the app, listens, and resolves once listening; rejects with a StartupError otherwise. */
/** How long a connection may stay idle between requests (Node closes it then; it says so in `Keep-Alive: timeout=5`). */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** After the drain, the listener closes once no connection has arrived for this long. */
const QUIET_MS = 200;

interface Connection {
  /** Requests on it not yet answered. */
  active: number;
  /** When it was accepted or its last answer ended. */
  idleSince: number;
  /** socket.bytesRead then: more since means another request is arriving. */
  readAtIdle: number;
}

/** Builds the app, listens, and resolves once listening; rejects with a StartupError otherwise. */
export async function serve({ config, store, logger }: { config: Config; store: Store; logger: Logger }): Promise<Serving> {
  const built = buildApp({ config, store, logger });
  // ML-DSA token-signing keys are made by the crypto backend (token-keys.ts derive): before the
  // first request, so none waits for them.
  await built.services.tokens.ready();
  let demonstrations: string[] = [];
  if (wantsDemonstrations(config, store.kind)) {
    try {
      demonstrations = await makeDemonstrations(built.services);
    } catch (error) {
      // Only Swagger UI's examples need them: say so and serve all the same.
      logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'could not make the demonstration keys Swagger UI examples name');
    }
  }
  const connections = new Map<Socket, Connection>();
  let requests = 0;
  const server = createServer((req, res) => {
    const connection = connections.get(req.socket);
    requests++;
    if (connection) connection.active++;
    res.once('close', () => {
      requests--;
      if (connection && --connection.active === 0) {
        connection.idleSince = Date.now();
        connection.readAtIdle = req.socket.bytesRead;
      }
    });
    // Set before the app runs, so even an answer sent at once carries it; Node then closes the
    // connection once the answer is written.
    if (built.draining) res.setHeader('Connection', 'close');
    built.app(req, res);
  });
  let lastConnectionAt = 0;
  server.on('connection', (socket: Socket) => {
    lastConnectionAt = Date.now();
    connections.set(socket, { active: 0, idleSince: lastConnectionAt, readAtIdle: 0 });
    socket.once('close', () => connections.delete(socket));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenFailure(error, config));
    server.once('error', failed);
    answerClientErrors(server);
    server.listen(config.port, config.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ error: error.message }, 'http server error'));
  // The sealed-request keys (docs/sealed.md) are derived now, once, rather than by the first request.
  built.services.sealed.warm().catch((error: unknown) => logger.error({ cause: error instanceof Error ? error.message : String(error) }, 'could not derive or prepare the OHTTP keys'));
  const { port } = server.address() as AddressInfo;
  const metricsServer = built.metricsApp ? await listenMetrics(built.metricsApp, config.metricsPort!, server) : undefined;

  /**
   * Closes the connections that are idle past the keep-alive timeout the server announced (a
   * client may still send on a connection idle for less: closing it then would reset that
   * request). Node does the same for keep-alive connections; this covers new connections that
   * never sent anything. Not Node's closeIdleConnections(), which closes every connection without
   * a request under way, including one accepted a moment ago whose request is still arriving.
   */
  const closeIdle = () => {
    const now = Date.now();
    for (const [socket, c] of connections) {
      if (c.active === 0 && socket.bytesRead === c.readAtIdle && now - c.idleSince >= KEEP_ALIVE_TIMEOUT_MS) socket.destroy();
    }
  };

  const shutdown = async (reason: string): Promise<number> => {
    built.startDraining();
    // Answers not yet started close their connection too.
    for (const socket of connections.keys()) {
      const res = (socket as { _httpMessage?: ServerResponse })._httpMessage;
      if (res && !res.headersSent) res.setHeader('Connection', 'close');
    }
    logger.info(
      { reason, in_flight: requests, connections: connections.size, drain_ms: config.shutdownDrainMs, timeout_ms: config.shutdownTimeoutMs },
      'shutting down: readiness is off, still serving during the drain',
    );
    await sleep(config.shutdownDrainMs);
    // Closing the listener resets the connections the kernel has queued and the event loop has
    // not accepted yet. So it closes only once the event loop has been round a few times without
    // a new connection (clients have stopped coming), waiting at most SHUTDOWN_TIMEOUT_MS for that.
    const quietBy = Date.now() + config.shutdownTimeoutMs;
    while (Date.now() - lastConnectionAt < QUIET_MS && Date.now() < quietBy) await sleep(QUIET_MS / 4);
    await new Promise((resolve) => setImmediate(resolve));
    // net.Server's close, not http.Server's: that one closes just-accepted connections too.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    const sweep = setInterval(closeIdle, 100);
    logger.info({ in_flight: requests, connections: connections.size }, 'listener closed: finishing the requests in flight');

    let code: number = EXIT.ok;
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (deadline = setTimeout(resolve, config.shutdownTimeoutMs, true)));
    if (await Promise.race([closed.then(() => false), timedOut])) {
      // Idle connections are closed without a word; requests under way are a loss.
      if (requests > 0) {
        logger.warn({ in_flight: requests, timeout_ms: config.shutdownTimeoutMs }, 'shutdown deadline passed: cutting the requests still in flight');
        code = EXIT.failure;
      }
      for (const socket of connections.keys()) socket.destroy();
      await closed;
    }
    clearTimeout(deadline);
    clearInterval(sweep);
    if (metricsServer) {
      metricsServer.closeAllConnections();
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    }

    try {
      await built.close();
    } catch (error) {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, 'releasing the app failed');
      code = EXIT.failure;
    }
    await store.close();
    logger.info({ code }, 'stopped');
    return code;
  };

  let stopping: Promise<number> | undefined;
  return {
    server,
    port,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : undefined,
    crypto: built.services.crypto.info,
    demonstrations,
    shutdown: (reason) => (stopping ??= shutdown(reason)),
  };
}

/**
 * METRICS_PORT: /metrics on its own listener, bound to 127.0.0.1 only, so that a scraper on the
 * host (or a sidecar) reads it and the network does not. A failure to listen stops the start
 * (closing the API listener first), naming METRICS_PORT.
 */
async function listenMetrics(app: (req: IncomingMessage, res: ServerResponse) => void, port: number, api: Server): Promise<Server> {
  const server = createServer(app);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    api.close();
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StartupError(
      code === 'EADDRINUSE'
        ? `Cannot listen: port ${port} on 127.0.0.1 is already in use (METRICS_PORT=${port}); stop the other process or set METRICS_PORT to a free port.`
        : `Cannot listen on 127.0.0.1:${port} (METRICS_PORT): ${code}.`,
      EXIT.listen,
    );
  }
  return server;
}
