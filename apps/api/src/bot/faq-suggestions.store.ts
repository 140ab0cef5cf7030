import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../common/redis.service';

/** How long a "did you mean" list can be answered with its number. */
export const SUGGESTIONS_TTL_SECONDS = 600;

/**
 * The FAQ entries last offered to a conversation as "did you mean" (in order), so that a reply of
 * just "1"/"2"/"3" picks one. Shared by every worker through Redis; losing it only means the number
 * is treated as an ordinary message.
 */
@Injectable()
export class FaqSuggestionsStore {
  private readonly logger = new Logger('FaqSuggestions');

  constructor(private readonly redis: RedisService) {}

  private key(conversationId: string): string {
    return this.redis.key('bot', 'faq-suggestions', conversationId);
  }

  async remember(conversationId: string, entryIds: string[]): Promise<void> {
    try {
      await this.redis.client.set(this.key(conversationId), JSON.stringify(entryIds), 'EX', SUGGESTIONS_TTL_SECONDS);
    } catch (err) {
      this.logger.warn(`could not remember suggestions of ${conversationId}: ${(err as Error).message}`);
    }
  }

  async recall(conversationId: string): Promise<string[]> {
    try {
      const raw = await this.redis.client.get(this.key(conversationId));
      const ids: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(ids) ? ids.filter((i): i is string => typeof i === 'string') : [];
    } catch (err) {
      this.logger.warn(`could not read suggestions of ${conversationId}: ${(err as Error).message}`);
      return [];
    }
  }

  async forget(conversationId: string): Promise<void> {
    try {
      await this.redis.client.del(this.key(conversationId));
    } catch {
      // expires by itself
    }
  }
}
