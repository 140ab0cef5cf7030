import type { Provider, Type } from '@nestjs/common';
import { BotController } from './bot.controller';
import { BotSettingsService } from './bot-settings.service';
import { ExternalAppService } from './external-app.service';
import { FaqSuggestionsStore } from './faq-suggestions.store';

/**
 * What the bot pipeline (settings, external apps) adds to the application module. BotPipeline itself
 * is registered by app.module.ts (through its old path, keyword-rules/bot-pipeline.service.ts).
 */
export const BOT_PROVIDERS: Provider[] = [BotSettingsService, ExternalAppService, FaqSuggestionsStore];
export const BOT_CONTROLLERS: Type[] = [BotController];
