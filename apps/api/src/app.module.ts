import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bull';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ENTITIES } from '@imbridge/persistence';
import { WecomModule } from '@imbridge/platform-wecom';
import { WecomKfModule } from '@imbridge/platform-wecom-kf';
import { MpModule } from '@imbridge/platform-mp';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { AuditService } from './audit/audit.service';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { LoginLimiter } from './auth/login-limiter.service';
import { SessionService } from './auth/session.service';
import { CallbackDiagnostics } from './callbacks/callback-diagnostics.service';
import { CallbackIngestService } from './callbacks/callback-ingest.service';
import { CallbacksController } from './callbacks/callbacks.controller';
import { InboxDispatcher } from './callbacks/inbox-dispatcher.service';
import { InboxWriter } from './callbacks/inbox-writer.service';
import { AllExceptionsFilter } from './common/exception.filter';
import { RedisService } from './common/redis.service';
import { ConfigChanges } from './common/config-changes.service';
import { validationPipe } from './common/validation';
import { ConversationAccess } from './conversations/conversation-access';
import { ConversationStateService } from './conversations/conversation-state.service';
import { ConversationsController } from './conversations/conversations.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { ProcessStatsService } from './metrics/process-stats.service';
import { InboxProcessor } from './inbox/inbox.processor';
import { InboxService } from './inbox/inbox.service';
import { InboxBatch } from './inbox/inbox-batch.service';
import { InboxSignals } from './inbox/inbox-signals';
import { InboundSourceSupervisor } from './inbound-sources/inbound-source.supervisor';
import { InboundSourcesController } from './inbound-sources/inbound-sources.controller';
import { SweeperService } from './inbox/sweeper.service';
import { IntegrationsController } from './integrations/integrations.controller';
import { IntegrationsService } from './integrations/integrations.service';
import { BotPipeline } from './keyword-rules/bot-pipeline.service';
import { KeywordRulesController } from './keyword-rules/keyword-rules.controller';
import { KeywordRulesService } from './keyword-rules/keyword-rules.service';
import { OutboundProcessor, OutboundSender } from './outbound/outbound.processor';
import { OutboundService } from './outbound/outbound.service';
import { SendRateLimiter } from './outbound/rate-limiter.service';
import { RedisTokenStore } from './outbound/redis-token-store';
import { PlatformRegistry } from './platforms/platform-registry.service';
import { PlatformsController } from './platforms/platforms.controller';
import { INBOX_QUEUE, OUTBOUND_QUEUE } from './queue/queues';
import { SecretsService } from './security/secrets.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { MediaController } from './media/media.controller';
import { MEDIA_QUEUE } from './media/media-files';
import { MediaProcessor } from './media/media.processor';
import { MediaService } from './media/media.service';
import { VerificationFilesController } from './verification-files/verification-files.controller';
import { VerificationFilesService } from './verification-files/verification-files.service';

import { BOT_CONTROLLERS, BOT_PROVIDERS } from './bot/bot.parts';
import { OUTBOX_VIEW_CONTROLLERS, OUTBOX_VIEW_PROVIDERS } from './dead-letters/dead-letters.parts';
import { DESK_CONTROLLERS, DESK_HTTP_PROVIDERS, DESK_PROVIDERS, DESK_WORKER_PROVIDERS } from './desk/desk.parts';
import { FAQ_CONTROLLERS, FAQ_PROVIDERS } from './faq/faq.parts';
import { KF_CONTROLLERS, KF_PROVIDERS, KF_QUEUES, KF_WORKER_PROVIDERS } from './kf/kf.parts';
import { MP_CONTROLLERS, MP_PROVIDERS } from './mp/mp.parts';

/** Platform modules; each registers its adapter through @RegisterPlatformAdapter(). */
const PLATFORM_MODULES: Type[] = [WecomModule, WecomKfModule, MpModule];

@Module({})
export class AppModule {
  /** The same build runs as the HTTP API, a queue worker, or both, chosen by IMBRIDGE_ROLE. */
  /**
   * `platformModules`: more platform modules (each registering its adapter, and hooks if it needs
   * any) next to the built-in ones — a platform is a library plus its module, nothing in the spine.
   */
  static forRoot(config: AppConfig, platformModules: Type[] = []): DynamicModule {
    const http = config.role !== 'worker';
    const worker = config.role !== 'api';
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      RedisService,
      ConfigChanges,
      ProcessStatsService,
      SecretsService,
      AuditService,
      PlatformRegistry,
      IntegrationsService,
      UsersService,
      SessionService,
      LoginLimiter,
      InboxWriter,
      InboxDispatcher,
      CallbackDiagnostics,
      CallbackIngestService,
      InboxService,
      InboxSignals,
      InboundSourceSupervisor,
      OutboundService,
      ConversationStateService,
      ConversationAccess,
      KeywordRulesService,
      BotPipeline,
      RedisTokenStore,
      SendRateLimiter,
      MediaService,
      VerificationFilesService,
      ...FAQ_PROVIDERS,
      ...BOT_PROVIDERS,
      ...DESK_PROVIDERS,
      ...OUTBOX_VIEW_PROVIDERS,
      ...KF_PROVIDERS,
      ...MP_PROVIDERS,
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: AllExceptionsFilter },
      { provide: APP_PIPE, useValue: validationPipe() },
    ];
    if (worker) providers.push(InboxBatch, InboxProcessor, OutboundSender, OutboundProcessor, SweeperService);
    if (worker) providers.push(MediaProcessor, ...DESK_WORKER_PROVIDERS, ...KF_WORKER_PROVIDERS);
    if (http) providers.push(...DESK_HTTP_PROVIDERS);
    return {
      module: AppModule,
      imports: [
        DiscoveryModule,
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions({ url: config.databaseUrl, poolSize: config.dbPoolSize }),
          dataSourceFactory: async (options) => {
            // Migrations and the master-key check already ran in startApp's preflight.
            const ds = new DataSource(options!);
            await ds.initialize();
            return ds;
          },
        }),
        TypeOrmModule.forFeature(ENTITIES),
        BullModule.forRoot({
          url: config.redisUrl,
          prefix: `${config.redisPrefix}:bull`,
          // Reconnect quickly after a Redis outage (Bull's default backs off to 20 s).
          redis: { retryStrategy: (times: number) => Math.min(times * 200, 2000) },
          // A job whose worker died (SIGKILL, OOM) is found stalled and run again within seconds, not
          // Bull's default 30 s: its lock lasts 10 s and a live worker renews it every 5 s.
          settings: { retryProcessDelay: 1000, lockDuration: 10_000, lockRenewTime: 5_000, stalledInterval: 5_000 },
        }),
        BullModule.registerQueue({ name: INBOX_QUEUE }, { name: OUTBOUND_QUEUE }),
        BullModule.registerQueue({ name: MEDIA_QUEUE }, ...KF_QUEUES.map((name) => ({ name }))),
        ...PLATFORM_MODULES,
        ...platformModules,
      ],
      controllers: http
        ? [
            AuthController,
            UsersController,
            PlatformsController,
            IntegrationsController,
            CallbacksController,
            ConversationsController,
            KeywordRulesController,
            HealthController,
            MetricsController,
            MediaController,
            VerificationFilesController,
            InboundSourcesController,
            ...FAQ_CONTROLLERS,
            ...BOT_CONTROLLERS,
            ...DESK_CONTROLLERS,
            ...OUTBOX_VIEW_CONTROLLERS,
            ...KF_CONTROLLERS,
            ...MP_CONTROLLERS,
          ]
        : [],
      providers,
    };
  }
}
