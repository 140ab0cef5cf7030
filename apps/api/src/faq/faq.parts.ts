import type { Provider, Type } from '@nestjs/common';
import { FaqController } from './faq.controller';
import { FaqService } from './faq.service';

/** What the FAQ feature adds to the application module. */
export const FAQ_PROVIDERS: Provider[] = [FaqService];
export const FAQ_CONTROLLERS: Type[] = [FaqController];
