import type { Provider, Type } from '@nestjs/common';
import { PreviewController } from '../preview/preview.controller';
import { ReplyWindowController } from '../reply-window/reply-window.controller';
import { ReplyWindowService } from '../reply-window/reply-window.service';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersService } from './dead-letters.service';

/** What dead letters, reply windows and answer previews add to the application module. */
export const OUTBOX_VIEW_PROVIDERS: Provider[] = [DeadLettersService, ReplyWindowService];
export const OUTBOX_VIEW_CONTROLLERS: Type[] = [DeadLettersController, ReplyWindowController, PreviewController];
