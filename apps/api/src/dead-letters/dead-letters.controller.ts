import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { DeadLetterView, MessageView } from '@imbridge/contracts';
import { AuditService } from '../audit/audit.service';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/ids';
import { DeadLettersService } from './dead-letters.service';

export class RetryAllDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this integration\'s dead letters' })
  @IsOptional()
  @IsUUID('all', { message: 'integrationId must be a UUID' })
  integrationId?: string;
}

function intParam(raw: string | undefined, name: string, def: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(400, 'BAD_QUERY', `${name} must be an integer from ${min} to ${max}`, `${name} 须为 ${min} 到 ${max} 之间的整数`);
  }
  return n;
}

@ApiTags('dead-letters')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly deadLetters: DeadLettersService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Outbound messages the sender gave up on, newest first, with the reason and advice' })
  @ApiQuery({ name: 'integrationId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..200, default 50' })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ description: '{items: DeadLetterView[], total}' })
  list(@Query('integrationId') integrationId?: string, @Query('limit') limit?: string, @Query('offset') offset?: string): Promise<{ items: DeadLetterView[]; total: number }> {
    if (integrationId !== undefined && integrationId !== '' && !isUuid(integrationId)) {
      throw new ApiError(400, 'BAD_QUERY', 'integrationId must be a UUID', 'integrationId 格式不正确');
    }
    return this.deadLetters.list(integrationId || undefined, intParam(limit, 'limit', 50, 1, 200), intParam(offset, 'offset', 0, 0, 1_000_000));
  }

  @Post('retry-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-drive every dead letter (of one integration), oldest first' })
  @ApiOkResponse({ description: '{retried: number}' })
  async retryAll(@Body() dto: RetryAllDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<{ retried: number }> {
    const { retried, messageIds } = await this.deadLetters.retryAll(dto.integrationId);
    await this.audit.record({ id: user.id, username: user.username, ip: req.ip }, 'dead-letters.retry-all', dto.integrationId ? { type: 'integration', id: dto.integrationId } : undefined, {
      retried,
      messageIds: messageIds.slice(0, 100),
    });
    return { retried };
  }

  @Post(':messageId/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-drive one dead letter: queued again, keeping its place in the conversation order' })
  @ApiOkResponse({ description: 'MessageView, status queued' })
  @ApiNotFoundResponse({ description: 'Not a dead letter' })
  async retry(@Param('messageId') messageId: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<MessageView> {
    const message = await this.deadLetters.retry(messageId);
    await this.audit.record({ id: user.id, username: user.username, ip: req.ip }, 'dead-letters.retry', { type: 'message', id: messageId });
    return message;
  }
}
