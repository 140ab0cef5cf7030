import { Injectable, Logger } from '@nestjs/common';
import { CallbackRejected, type CallbackHttpReply, type CallbackRequest } from '@imbridge/platform-core';
import { UUID_PATTERN as UUID } from '../common/ids';
import { IntegrationsService } from '../integrations/integrations.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { CallbackDiagnostics } from './callback-diagnostics.service';
import { InboxDispatcher } from './inbox-dispatcher.service';
import { InboxWriter } from './inbox-writer.service';

/**
 * The same status, body and length for every authentication, decryption or format failure, and for
 * unknown integrations: a caller learns nothing about which check failed.
 */
export const UNIFORM_REJECTION: CallbackHttpReply = { status: 400, contentType: 'text/plain; charset=utf-8', body: 'invalid request' };
/** Storage is down: the platform should retry, so never a 200. */
export const STORE_UNAVAILABLE: CallbackHttpReply = { status: 503, contentType: 'text/plain; charset=utf-8', body: 'temporarily unavailable' };


export interface IncomingCallback extends CallbackRequest {
  platform: string;
  integrationId: string;
  /** Aborted when the caller gave up (the connection closed): a held reply stops waiting. */
  signal?: AbortSignal;
}

/**
 * The answer to a callback. `hold`: answer nothing and leave the request open until the caller gives
 * up (a reply in the HTTP response that is not ready: the platform then delivers the same callback
 * again; see CallbackReplies).
 */
export type CallbackAnswer = CallbackHttpReply & { hold?: boolean };

/** verify → decrypt → parse → normalize (adapter), store in the inbox, then answer and dispatch. */
@Injectable()
export class CallbackIngestService {
  private readonly logger = new Logger('Callbacks');

  constructor(
    private readonly registry: PlatformRegistry,
    private readonly integrations: IntegrationsService,
    private readonly writer: InboxWriter,
    private readonly dispatcher: InboxDispatcher,
    private readonly diagnostics: CallbackDiagnostics,
  ) {}

  /**
   * Whether a callback of this platform may be answered with `hold` (its answer goes in the HTTP response,
   * see CallbackReplies): only then does the caller's hanging up matter (IncomingCallback.signal).
   */
  mayHold(platform: string): boolean {
    return this.registry.get(platform) !== undefined && this.registry.hooks(platform).callbackReplies !== undefined;
  }

  async handle(cb: IncomingCallback): Promise<CallbackAnswer> {
    const adapter = this.registry.get(cb.platform);
    if (!adapter?.callback || !UUID.test(cb.integrationId)) return UNIFORM_REJECTION;

    let integration;
    try {
      integration = await this.integrations.runtime(cb.integrationId);
    } catch (err) {
      this.logger.error(`integration lookup failed: ${(err as Error).message}`);
      return STORE_UNAVAILABLE;
    }
    if (!integration || integration.platform !== cb.platform) return UNIFORM_REJECTION;
    const record = (outcome: 'accepted' | 'duplicate' | 'verified' | 'rejected' | 'error', detail: string) => this.diagnostics.note(integration.id, cb.method, outcome, detail);
    if (!integration.enabled) {
      record('rejected', 'integration-disabled');
      return UNIFORM_REJECTION;
    }
    if (!adapter.descriptor.callbackMethods.includes(cb.method)) {
      record('rejected', 'method-not-allowed');
      return UNIFORM_REJECTION;
    }

    let outcome;
    try {
      outcome = await adapter.callback.handle(cb, {
        integrationId: integration.id,
        config: integration.config,
        replayToleranceSeconds: integration.replayToleranceSeconds,
        now: new Date(),
      });
    } catch (err) {
      if (err instanceof CallbackRejected) {
        record('rejected', err.message);
        this.logger.warn(`callback refused for integration ${integration.id}: ${err.reason}`);
        return UNIFORM_REJECTION;
      }
      record('error', 'internal error');
      this.logger.error(`callback adapter failed for integration ${integration.id}: ${(err as Error).stack ?? String(err)}`);
      return { status: 500, contentType: 'text/plain; charset=utf-8', body: 'internal error' };
    }

    if (outcome.kind === 'reply') {
      record('verified', outcome.diagnostic);
      return outcome.reply;
    }

    // A platform that takes our answer in the HTTP response (CallbackReplies), for a one-event callback.
    const replies = outcome.events.length === 1 ? this.registry.hooks(integration.platform).callbackReplies : undefined;
    if (replies?.beforeStore) {
      try {
        await replies.beforeStore(integration, outcome.events[0]!);
      } catch (err) {
        // Stored as an ordinary message then (e.g. a "next page" request goes to the bot).
        this.logger.warn(`callback reply check before storing failed: ${(err as Error).message}`);
      }
    }

    let results;
    try {
      results = await Promise.all(outcome.events.map((e) => this.writer.insert(integration.id, e)));
    } catch (err) {
      record('error', 'storage unavailable');
      this.logger.error(`inbox insert failed: ${(err as Error).message}`);
      return STORE_UNAVAILABLE;
    }
    let fresh = 0;
    results.forEach((r, i) => {
      const event = outcome.events[i];
      if (r.id && event) {
        fresh++;
        this.dispatcher.dispatch({ integrationId: integration.id, conversationKey: event.conversationKey, eventId: r.id });
      }
    });
    record(fresh > 0 ? 'accepted' : 'duplicate', outcome.diagnostic);
    if (replies) {
      try {
        const answer = await replies.respond(integration, { query: cb.query, signal: cb.signal }, outcome.events[0]!, results[0]?.id ?? null);
        return 'hold' in answer ? { ...outcome.reply, hold: true } : answer.reply;
      } catch (err) {
        // Stored: the answer waits for the user's next message instead of being lost.
        this.logger.error(`callback reply failed for integration ${integration.id}: ${(err as Error).stack ?? String(err)}`);
      }
    }
    return outcome.reply;
  }
}
