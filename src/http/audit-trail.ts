/**
 * The audit entry of a request (stores/audit.ts), as a route declares it (`audit`): what it
 * names (the keys the request named or made, the token minted or revoked) is gathered as the
 * request goes, and the entry is written whatever the outcome, with the problem type of a failed
 * request. An entry that cannot be written fails the request closed (see pipeline.ts), except for
 * `bestEffort` routes, which only take something away.
 * @module
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Services } from '../services.ts';
import { batchOutcome } from '../stores/audit.ts';
import { toProblem } from './problems.ts';
import type { AnyRoute } from './route.ts';

/** What the audit entry of one request (or one batch item) names, gathered as it goes. */
export interface Trail<I = unknown, R = unknown> {
  keyIds: readonly string[];
  /** Whether the request named a stored key (well-formed), found or not. */
  namedKey: boolean;
  input?: I;
  result?: R;
  written: boolean;
}

export const newTrail = <I, R>(): Trail<I, R> => ({ keyIds: [], written: false, namedKey: false });

/** The trail of the request a response answers. */
export const trailOf = <I, R>(res: Response): Trail<I, R> => (res.locals.auditTrail ??= newTrail()) as Trail<I, R>;

export class AuditTrail {
  constructor(
    private readonly route: AnyRoute,
    private readonly services: Services,
  ) {}

  /** Whether the route records this request at all (some record only uses of a stored key). */
  shouldRecord(trail: Trail): boolean {
    const onlyWhen = this.route.audit?.onlyWhen;
    return !onlyWhen || onlyWhen(trail.input, trail.namedKey);
  }

  /** Writes the entry of a single request. @throws when the store refuses it (logged and counted). */
  async write(req: Request, trail: Trail, outcome: string): Promise<void> {
    trail.written = true;
    const subject = this.route.audit!.subject?.(trail.input, trail.result) ?? {};
    const keyIds = this.#keysOf(trail);
    await this.#append(req, {
      outcome,
      keyId: keyIds[0] ?? null,
      keyIds,
      itemCount: 1,
      targetTokenId: subject.targetTokenId ?? null,
      targetClientId: subject.targetClientId,
      targetSessionId: subject.targetSessionId,
    });
  }

  /**
   * Writes the ONE entry of a batch (never one per item, so a batch cannot flood the trail): the
   * keys its recorded items named or made, distinct and in order, how many items it had, and its
   * outcome: `ok` when every recorded item succeeded, `partial` when some did, else the first
   * item's problem type. Nothing is written when no item is one the route records.
   */
  async writeBatch(req: Request, items: readonly { readonly trail: Trail; readonly outcome: string }[], itemCount: number): Promise<void> {
    const recorded = items.filter((item) => this.shouldRecord(item.trail));
    if (recorded.length === 0) return;
    const keyIds = [...new Set(recorded.flatMap(({ trail }) => this.#keysOf(trail)))];
    await this.#append(req, {
      outcome: batchOutcome(recorded.map((item) => item.outcome)),
      keyId: keyIds[0] ?? null,
      keyIds,
      itemCount,
      targetTokenId: null,
    });
  }

  /** The keys an entry names: the subject's (the key made, or none) when the route says, else the keys the request named. */
  #keysOf(trail: Trail): readonly string[] {
    const subject = this.route.audit!.subject?.(trail.input, trail.result) ?? {};
    return subject.keyId !== undefined ? (subject.keyId === null ? [] : [subject.keyId]) : trail.keyIds;
  }

  async #append(
    req: Request,
    what: { outcome: string; keyId: string | null; keyIds: readonly string[]; itemCount: number; targetTokenId: string | null; targetClientId?: string | undefined; targetSessionId?: string | undefined },
  ): Promise<void> {
    const audit = this.route.audit!;
    const { services } = this;
    const principal = req.principal!;
    const entry = {
      timeMs: services.clock(),
      tenant: principal.tenant,
      operation: audit.event,
      outcome: what.outcome,
      // The server's own id, never the client's (kept beside it): see request-context.ts.
      requestId: req.serverRequestId,
      clientRequestId: req.clientRequestId,
      tokenId: principal.token?.id ?? null,
      tokenAncestors: principal.token?.ancestors ?? [],
      keyId: what.keyId,
      keyIds: what.keyIds, // the port keeps them distinct and at most AUDIT_MAX_KEY_IDS (normalized)
      itemCount: what.itemCount,
      targetTokenId: what.targetTokenId,
      ...(principal.client ? { clientId: principal.client.id } : {}),
      ...(what.targetClientId ? { targetClientId: what.targetClientId } : {}),
      ...(what.targetSessionId ? { targetSessionId: what.targetSessionId } : {}),
    };
    try {
      await services.audit.append(entry);
      services.metrics.auditWrite(true);
    } catch (error) {
      services.metrics.auditWrite(false);
      // The entry itself holds no secret: logging it keeps the trail in the logs at least.
      req.log.error({ audit: entry, cause: error instanceof Error ? error.message : String(error) }, 'audit entry not written');
      throw error;
    }
  }

  /**
   * A request that failed after authentication is recorded with its problem type. If that entry
   * cannot be written either, the failure is logged and counted, and the client still gets the
   * original problem: nothing was given out.
   */
  readonly recordFailure: ErrorRequestHandler = async (err, req, res, next) => {
    const trail = trailOf(res);
    if (req.principal && !trail.written && this.shouldRecord(trail)) {
      try {
        await this.write(req, trail, toProblem(err).type);
      } catch {
        // logged and counted by write()
      }
    }
    next(err);
  };
}
