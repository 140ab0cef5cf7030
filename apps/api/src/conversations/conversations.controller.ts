import { CONVERSATION_SELECT, type ConversationRow, conversationView } from './conversation-view';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import type { ConversationState, ConversationView, MessageView } from '@imbridge/contracts';
import { MessageEntity } from '@imbridge/persistence';
import { ApiError, notFound } from '../common/api-error';
import { UUID_PATTERN as UUID } from '../common/ids';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { messageView, OutboundService } from '../outbound/outbound.service';
import { ConversationStateService } from './conversation-state.service';

const actorOf = (u: SessionUser, req: FastifyRequest) => ({ id: u.id, username: u.username, ip: req.ip });

export class SendTextDto {
  @ApiPropertyOptional({ enum: ['text'], default: 'text', description: 'Message type; text for now' })
  @IsOptional()
  @IsIn(['text'])
  type?: 'text';

  @ApiProperty({ example: '您好，请问有什么可以帮您？' })
  @IsString()
  @Length(1, 20000)
  text!: string;
}

export class TransferDto {
  @ApiProperty({ description: 'The user (agent or admin, not disabled) who takes over the chat', format: 'uuid' })
  @IsUUID()
  userId!: string;
}

const STATES: ConversationState[] = ['bot', 'queued', 'assigned', 'closed'];

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/conversations')
export class ConversationsController {
  constructor(
    private readonly ds: DataSource,
    private readonly outbound: OutboundService,
    private readonly states: ConversationStateService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Conversations, most recent first' })
  @ApiQuery({ name: 'integrationId', required: false })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async list(
    @Query('integrationId') integrationId?: string,
    @Query('state') state?: string,
    @Query('limit') limit = '50',
    @Query('offset') offset = '0',
  ): Promise<ConversationView[]> {
    if (integrationId !== undefined && !UUID.test(integrationId)) throw new ApiError(400, 'BAD_QUERY', 'integrationId must be a UUID', 'integrationId 格式不正确');
    if (state !== undefined && !STATES.includes(state as ConversationState)) throw new ApiError(400, 'BAD_QUERY', `state must be one of ${STATES.join(', ')}`, 'state 取值不正确');
    const lim = Math.min(Math.max(Number(limit) || 50, 1), 200);
    const off = Math.max(Number(offset) || 0, 0);
    const rows: ConversationRow[] = await this.ds.query(
      `${CONVERSATION_SELECT}
       WHERE ($1::uuid IS NULL OR c.integration_id = $1) AND ($2::varchar IS NULL OR c.state = $2)
       ORDER BY c.last_message_at DESC NULLS LAST, c.created_at DESC LIMIT ${lim} OFFSET ${off}`,
      [integrationId ?? null, state ?? null],
    );
    return rows.map(conversationView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation (state and assignee included)' })
  get(@Param('id') id: string): Promise<ConversationView> {
    return this.states.view(id);
  }

  @Post(':id/claim')
  @HttpCode(200)
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Claim the chat: assigned to the caller (from queued, or taken over from the bot)' })
  @ApiOkResponse({ description: 'The conversation, now assigned to the caller' })
  @ApiConflictResponse({ description: 'CONFLICT: not queued or with the bot (e.g. another agent claimed it first)' })
  claim(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<ConversationView> {
    return this.states.claim(id, actorOf(user, req));
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Transfer an assigned chat to another user (existing, not disabled)' })
  @ApiOkResponse({ description: 'The conversation, now assigned to userId' })
  @ApiConflictResponse({ description: 'CONFLICT: the chat is not assigned' })
  transfer(@Param('id') id: string, @Body() dto: TransferDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<ConversationView> {
    return this.states.transfer(id, dto.userId, actorOf(user, req));
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Close the chat (from bot, queued or assigned); the next customer message reopens it with the bot' })
  @ApiOkResponse({ description: 'The conversation, now closed' })
  @ApiConflictResponse({ description: 'CONFLICT: already closed' })
  close(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<ConversationView> {
    return this.states.close(id, actorOf(user, req));
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'Messages of a conversation, oldest first' })
  async messages(@Param('id') id: string): Promise<MessageView[]> {
    if (!UUID.test(id)) throw notFound('conversation', '会话');
    const exists = await this.ds.query('SELECT 1 FROM conversations WHERE id = $1', [id]);
    if (exists.length === 0) throw notFound('conversation', '会话');
    const rows = await this.ds.getRepository(MessageEntity).find({ where: { conversationId: id }, order: { createdAt: 'ASC', id: 'ASC' }, take: 1000 });
    return rows.map(messageView);
  }

  @Post(':id/messages')
  @ApiOperation({ summary: 'Send a text reply (queued; delivery status on the message)' })
  async send(@Param('id') id: string, @Body() dto: SendTextDto, @CurrentUser() user: SessionUser): Promise<MessageView> {
    if (!UUID.test(id)) throw notFound('conversation', '会话');
    return this.outbound.enqueue(id, { type: 'text', text: dto.text }, user.id);
  }

  @Post('messages/:messageId/retry')
  @Roles('admin')
  @ApiOperation({ summary: 'Re-drive a failed (dead-lettered) outbound message' })
  async retry(@Param('messageId') messageId: string): Promise<MessageView> {
    if (!UUID.test(messageId)) throw notFound('message', '消息');
    return this.outbound.retry(messageId);
  }
}
