import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { PLATFORM_IDS, SEND_RATE_MAX, SEND_RATE_MIN, type IntegrationView, type PlatformId } from '@imbridge/contracts';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { CallbackDiagnostics } from '../callbacks/callback-diagnostics.service';
import { adviseDiagnostics, type CallbackDiagnosticsView } from '../callbacks/diagnostics-advice';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { IntegrationsService, type ConnectionTestResult } from './integrations.service';

const SEND_RATE_MESSAGE = {
  message: `sendRatePerSecond must be a whole number of messages per second, ${SEND_RATE_MIN}..${SEND_RATE_MAX}, or null for the default / 发送速率上限须为 ${SEND_RATE_MIN} 到 ${SEND_RATE_MAX} 之间的整数（条/秒），留空（null）则使用默认值`,
};

/** The integration's send budget: platform calls per second shared by every process; null: the default. */
function SendRateProperty(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      type: Number,
      nullable: true,
      minimum: SEND_RATE_MIN,
      maximum: SEND_RATE_MAX,
      description:
        "Send budget: platform calls per second for this integration, shared by every process. null: the default (IMBRIDGE_SEND_RATE_PER_SECOND when the operator set it, else the platform's, see GET /api/platforms defaultSendRatePerSecond)",
    })(target, key);
    IsOptional()(target, key); // null as well: back to the default
    IsInt(SEND_RATE_MESSAGE)(target, key);
    Min(SEND_RATE_MIN, SEND_RATE_MESSAGE)(target, key);
    Max(SEND_RATE_MAX, SEND_RATE_MESSAGE)(target, key);
  };
}

export class CreateIntegrationDto {
  @ApiProperty({ enum: PLATFORM_IDS, example: 'wecom' })
  @IsIn(PLATFORM_IDS)
  platform!: PlatformId;

  @ApiProperty({ example: '客服应用' })
  @IsString()
  @Length(1, 128)
  name!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ description: "Fields from the platform descriptor (GET /api/platforms)", example: { corpId: 'ww0123456789abcdef', agentId: 1000002 } })
  @IsObject()
  config!: Record<string, unknown>;

  @SendRateProperty()
  sendRatePerSecond?: number | null;
}

export class UpdateIntegrationDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'Changed fields only; a secret left out keeps its stored value' })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @SendRateProperty()
  sendRatePerSecond?: number | null;
}

const actorOf = (u: SessionUser, req: FastifyRequest) => ({ id: u.id, username: u.username, ip: req.ip });

@ApiTags('integrations')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/integrations')
export class IntegrationsController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly diagnostics: CallbackDiagnostics,
    private readonly registry: PlatformRegistry,
  ) {}

  @Get()
  @ApiOperation({ summary: 'All integrations; secret fields masked' })
  list(): Promise<IntegrationView[]> {
    return this.integrations.list();
  }

  @Post()
  @ApiOperation({ summary: 'Create an integration; the answer carries its callbackUrl' })
  create(@Body() dto: CreateIntegrationDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<IntegrationView> {
    return this.integrations.create(dto, actorOf(user, req));
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<IntegrationView> {
    return this.integrations.get(id);
  }

  @Get(':id/callbacks')
  @ApiOperation({
    summary: 'The last 50 callbacks the platform sent (newest first), each failure with its likely cause; a summary; the setup order',
  })
  async callbacks(@Param('id') id: string): Promise<CallbackDiagnosticsView> {
    const integration = await this.integrations.get(id);
    return adviseDiagnostics(await this.diagnostics.recent(id), this.registry.get(integration.platform)?.advice?.callback);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test connection: fetch a token with the saved credentials; failures come with advice (zh/en). Sets or clears lastError',
  })
  test(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<ConnectionTestResult> {
    return this.integrations.testConnection(id, actorOf(user, req));
  }

  @Put(':id')
  update(@Param('id') id: string, @Body() dto: UpdateIntegrationDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<IntegrationView> {
    return this.integrations.update(id, dto, actorOf(user, req));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<void> {
    await this.integrations.remove(id, actorOf(user, req));
  }
}
