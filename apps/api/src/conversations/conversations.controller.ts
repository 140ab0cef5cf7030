import { CONVERSATION_SELECT, type ConversationRow, conversationView } from './conversation-view';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, ValidateIf } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import type { ConversationState, ConversationView, MessageView } from '@imbridge/contracts';
import { MessageEntity } from '@imbridge/persistence';
import { ApiError, notFound } from '../common/api-error';
import { UUID_PATTERN as UUID } from '../common/ids';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { OutboundService } from '../outbound/outbound.service';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { MediaService } from '../media/media.service';
import { isUpload, storedImagePayload } from '../media/media-upload';
import { messageView } from './message-view';
import { ReplyWindowService } from '../reply-window/reply-window.service';
import { ConversationAccess, seesAllChats } from './conversation-access';
import { ConversationStateService, servicerOwns } from './conversation-state.service';

/** 403 NOT_YOUR_CHAT: a chat another agent has (claim). */
const notYourChat = (): ApiError =>
  new ApiError(403, 'NOT_YOUR_CHAT', 'this chat is assigned to another agent; ask them or an administrator to transfer it', '该会话已由其他客服接待，如需接手请让对方或管理员转接给您');

const actorOf = (u: SessionUser, req: FastifyRequest) => ({ id: u.id, username: u.username, ip: req.ip });

export class SendMessageDto {
  @ApiPropertyOptional({ enum: ['text', 'image'], default: 'text', description: 'text (with `text`) or image (with `mediaId` from POST /api/media/upload)' })
  @IsOptional()
  @IsIn(['text', 'image'], { message: 'type must be text or image / 消息类型只能是 text 或 image' })
  type?: 'text' | 'image';

  @ApiPropertyOptional({ example: '您好，请问有什么可以帮您？' })
  @ValidateIf((o: SendMessageDto) => (o.type ?? 'text') === 'text')
  @IsString()
  @Length(1, 20000)
  text?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The id POST /api/media/upload answered' })
  @ValidateIf((o: SendMessageDto) => o.type === 'image')
  @IsUUID('all', { message: 'mediaId must be the id of an uploaded image / mediaId 必须是已上传图片的 id' })
  mediaId?: string;
}

/** Kept for callers of the earlier name. */
export { SendMessageDto as SendTextDto };

export class NoteDto {
  @ApiProperty({ example: '客户是老用户，注意优惠政策' })
  @IsString()
  @Length(1, 20000, { message: 'text: 1-20000 characters / 内容须为 1-20000 个字符' })
  text!: string;
}

export class TransferDto {
  @ApiProperty({ description: 'The user (agent or admin, not disabled) who takes over the chat', format: 'uuid' })
  @IsUUID()
  userId!: string;
}

const STATES: ConversationState[] = ['bot', 'queued', 'assigned', 'closed'];
type View = 'queue' | 'mine' | 'all';
const VIEWS: View[] = ['queue', 'mine', 'all'];

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/conversations')
export class ConversationsController {
  constructor(
    private readonly ds: DataSource,
    private readonly outbound: OutboundService,
    private readonly states: ConversationStateService,
    private readonly notifier: DeskNotifier,
    private readonly media: MediaService,
    private readonly replyWindow: ReplyWindowService,
    private readonly access: ConversationAccess,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Conversations. Agents only see queued chats and their own; view=queue is oldest queued first, the others most recent first' })
  @ApiQuery({ name: 'integrationId', required: false })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'view', required: false, enum: VIEWS })
  @ApiQuery({ name: 'assignee', required: false, enum: ['me'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async list(
    @CurrentUser() user: SessionUser,
    @Query('integrationId') integrationId?: string,
    @Query('state') state?: string,
    @Query('view') view?: string,
    @Query('assignee') assignee?: string,
    @Query('limit') limit = '50',
    @Query('offset') offset = '0',
  ): Promise<ConversationView[]> {
    if (integrationId !== undefined && !UUID.test(integrationId)) throw new ApiError(400, 'BAD_QUERY', 'integrationId must be a UUID', 'integrationId 格式不正确');
    if (state !== undefined && !STATES.includes(state as ConversationState)) throw new ApiError(400, 'BAD_QUERY', `state must be one of ${STATES.join(', ')}`, 'state 取值不正确');
    if (view !== undefined && !VIEWS.includes(view as View)) throw new ApiError(400, 'BAD_QUERY', `view must be one of ${VIEWS.join(', ')}`, 'view 取值不正确');
    if (assignee !== undefined && assignee !== 'me') throw new ApiError(400, 'BAD_QUERY', 'assignee must be "me"', 'assignee 只能是 me');
    const lim = Math.min(Math.max(Number(limit) || 50, 1), 200);
    const off = Math.max(Number(offset) || 0, 0);
    const where = ['($1::uuid IS NULL OR c.integration_id = $1)', '($2::varchar IS NULL OR c.state = $2)'];
    // Agents see the queue and their own chats, whatever they ask for (unless granted every chat).
    if (!seesAllChats(user)) where.push(`(c.state = 'queued' OR c.assignee_id = $3)`);
    if (view === 'queue') where.push(`c.state = 'queued'`);
    if (view === 'mine' || assignee === 'me') where.push('c.assignee_id = $3');
    if (view === 'mine') where.push(`c.state = 'assigned'`);
    const order = view === 'queue' ? 'c.queued_at ASC NULLS LAST, c.created_at ASC' : 'c.last_message_at DESC NULLS LAST, c.created_at DESC';
    const rows: ConversationRow[] = await this.ds.query(
      // `$3 IS NOT NULL` types $3 for PostgreSQL when no condition above uses it.
      `${CONVERSATION_SELECT} WHERE ${where.join(' AND ')} AND ($3::uuid IS NOT NULL) ORDER BY ${order} LIMIT ${lim} OFFSET ${off}`,
      [integrationId ?? null, state ?? null, user.id],
    );
    return rows.map(conversationView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation (state and assignee included); agents: queued chats and their own, else 404' })
  async get(@Param('id') id: string, @CurrentUser() user: SessionUser): Promise<ConversationView> {
    await this.access.assertVisible(user, id);
    return this.states.view(id);
  }

  @Post(':id/claim')
  @HttpCode(200)
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Claim the chat: assigned to the caller (from queued, or taken over from the bot)' })
  @ApiOkResponse({ description: 'The conversation, now assigned to the caller' })
  @ApiConflictResponse({ description: 'CONFLICT: not queued or with the bot (e.g. another agent claimed it first); SERVICER_OWNS: a servicer answers it in the platform\'s own client' })
  async claim(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<ConversationView> {
    try {
      return await this.states.claim(id, actorOf(user, req));
    } catch (err) {
      // An agent learns no more about another agent's chat than that it is theirs (also the loser of
      // two concurrent claims: by now the winner has it).
      if (user.role !== 'admin' && err instanceof ApiError && err.getStatus() === 409 && !(await this.access.visible(user, id))) throw notYourChat();
      throw err;
    }
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Transfer an assigned chat to another user (existing, not disabled)' })
  @ApiOkResponse({ description: 'The conversation, now assigned to userId' })
  @ApiConflictResponse({ description: 'CONFLICT: the chat is not assigned' })
  async transfer(@Param('id') id: string, @Body() dto: TransferDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<ConversationView> {
    // A chat a platform servicer answers is not ours to hand on: 409 SERVICER_OWNS from the state service.
    await this.requireOwnChatForAgent(id, user, 'transfer');
    return this.states.transfer(id, dto.userId, actorOf(user, req));
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Close the chat (from bot, queued or assigned); the next customer message reopens it with the bot' })
  @ApiOkResponse({ description: 'The conversation, now closed' })
  @ApiConflictResponse({ description: 'CONFLICT: already closed' })
  async close(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<ConversationView> {
    await this.requireOwnChatForAgent(id, user, 'close');
    return this.states.close(id, actorOf(user, req));
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'Messages of a conversation, oldest first: the newest `limit` (default 500, max 1000), or those before the message `before`' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'before', required: false, description: 'a message id: return the messages older than it (load earlier history)' })
  async messages(@Param('id') id: string, @CurrentUser() user: SessionUser, @Query('limit') limit = '500', @Query('before') before?: string): Promise<MessageView[]> {
    if (!UUID.test(id)) throw notFound('conversation', '会话');
    await this.access.assertVisible(user, id);
    if (before !== undefined && !UUID.test(before)) throw new ApiError(400, 'BAD_QUERY', 'before must be a message id', 'before 必须是消息 ID');
    const lim = Math.min(Math.max(Number(limit) || 500, 1), 1000);
    const exists = await this.ds.query('SELECT 1 FROM conversations WHERE id = $1', [id]);
    if (exists.length === 0) throw notFound('conversation', '会话');
    const qb = this.ds
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.conversation_id = :id', { id })
      .orderBy('m.created_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .limit(lim);
    if (before !== undefined) {
      // Row-value comparison: strictly older than the cursor message, ties broken by id.
      qb.andWhere('(m.created_at, m.id) < (SELECT created_at, id FROM messages WHERE id = :before AND conversation_id = :id)', { before });
    }
    const newestFirst = await qb.getMany();
    return newestFirst.reverse().map(messageView);
  }

  @Post(':id/messages')
  @ApiOperation({ summary: 'Send a text or an uploaded image as the caller (queued; delivery status on the message). Agents: only to chats assigned to them' })
  @ApiForbiddenResponse({ description: 'NOT_YOUR_CHAT: an agent writing to a chat assigned to someone else' })
  @ApiConflictResponse({ description: 'CLAIM_FIRST: an agent writing to a chat not assigned to anyone (claim it first); SERVICER_OWNS: a servicer answers it in the platform\'s own client; WINDOW_CLOSED' })
  async send(@Param('id') id: string, @Body() dto: SendMessageDto, @CurrentUser() user: SessionUser): Promise<MessageView> {
    await this.requireWritable(id, user);
    // Platforms with a reply window limit replies after the customer's last message: refuse before queueing.
    await this.replyWindow.assertOpen(id);
    if (dto.type === 'image') {
      const file = await this.media.get(dto.mediaId!);
      if (!file || !isUpload(file) || file.status !== 'stored' || !file.contentType?.startsWith('image/')) {
        throw new ApiError(400, 'INVALID_MEDIA', 'mediaId is not an uploaded image (POST /api/media/upload first)', 'mediaId 不是已上传的图片（请先调用 POST /api/media/upload）');
      }
      return this.outbound.enqueue(id, storedImagePayload(file.id), user.id);
    }
    return this.outbound.enqueue(id, { type: 'text', text: dto.text! }, user.id);
  }

  @Post(':id/notes')
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'An internal note: shown to agents among the messages, never sent to the customer' })
  async note(@Param('id') id: string, @Body() dto: NoteDto, @CurrentUser() user: SessionUser): Promise<MessageView> {
    await this.access.assertVisible(user, id);
    const conversation = await this.conversationOrFail(id);
    const msg = this.ds.getRepository(MessageEntity).create({
      conversationId: id,
      integrationId: conversation.integration_id,
      direction: 'note',
      type: 'text',
      text: dto.text,
      content: null,
      // Nothing to deliver: stored as it is.
      status: 'received',
      error: null,
      platformMessageId: null,
      inboxEventId: null,
      authorId: user.id,
      createdAt: new Date(),
      sentAt: null,
    });
    await this.ds.getRepository(MessageEntity).save(msg);
    this.notifier.messageCreated(msg.id);
    return messageView(msg);
  }

  @Post(':id/read')
  @HttpCode(204)
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Mark the chat read: unread count back to 0' })
  async read(@Param('id') id: string, @CurrentUser() user: SessionUser): Promise<void> {
    await this.access.assertVisible(user, id);
    const [, affected]: [unknown, number] = await this.ds.query('UPDATE conversations SET unread_count = 0 WHERE id = $1 AND unread_count <> 0', [id]);
    if (affected > 0) this.notifier.conversationChanged(id);
  }

  private async conversationOrFail(id: string): Promise<{ state: ConversationState; assignee_id: string | null; integration_id: string; external_servicer: string | null }> {
    if (!UUID.test(id)) throw notFound('conversation', '会话');
    const rows: { state: ConversationState; assignee_id: string | null; integration_id: string; external_servicer: string | null }[] = await this.ds.query(
      'SELECT state, assignee_id, integration_id, external_servicer FROM conversations WHERE id = $1',
      [id],
    );
    if (!rows[0]) throw notFound('conversation', '会话');
    return rows[0];
  }

  /**
   * Agents transfer or close only chats assigned to them (closing a queued chat, e.g. spam, is allowed);
   * admins any chat. The state change itself stays conditional on the state, so a race ends in a 409.
   */
  private async requireOwnChatForAgent(id: string, user: SessionUser, action: 'transfer' | 'close'): Promise<void> {
    if (user.role === 'admin') return;
    const c = await this.conversationOrFail(id);
    if (action === 'transfer' && c.external_servicer !== null && c.state === 'assigned') throw servicerOwns(c.external_servicer);
    if (c.state === 'assigned' && c.assignee_id !== user.id) {
      throw new ApiError(403, 'NOT_YOUR_CHAT', `only the assigned agent or an administrator may ${action} this chat`, action === 'transfer' ? '只有接待该会话的客服或管理员可以转接' : '只有接待该会话的客服或管理员可以结束该会话');
    }
  }

  /**
   * Admins may write to any chat; an agent only to a chat assigned to them. Nobody writes while a
   * servicer answers it from the platform's own client: one chat, one answerer.
   */
  private async requireWritable(id: string, user: SessionUser): Promise<void> {
    const c = await this.conversationOrFail(id);
    if (c.external_servicer !== null && c.state !== 'closed') throw servicerOwns(c.external_servicer);
    if (user.role === 'admin' || (c.state === 'assigned' && c.assignee_id === user.id)) return;
    if (c.state === 'assigned') {
      throw new ApiError(403, 'NOT_YOUR_CHAT', 'this chat is assigned to another agent; ask them or an administrator to transfer it', '该会话已由其他客服接待，如需回复请让对方或管理员转接给您');
    }
    if (c.state === 'closed') throw new ApiError(409, 'CONVERSATION_CLOSED', 'this chat is closed; it reopens when the customer writes again', '会话已关闭，客户再次发消息后会重新打开', { state: c.state });
    throw new ApiError(
      409,
      'CLAIM_FIRST',
      `claim this chat before replying (it is ${c.state === 'queued' ? 'waiting in the queue' : 'with the bot'}): POST /api/conversations/${id}/claim`,
      c.state === 'queued' ? '该会话正在排队，请先接入再回复' : '该会话由机器人接待中，请先接入再回复',
      { state: c.state },
    );
  }

  @Post('messages/:messageId/retry')
  @Roles('admin')
  @ApiOperation({ summary: 'Re-drive a failed (dead-lettered) outbound message' })
  async retry(@Param('messageId') messageId: string): Promise<MessageView> {
    if (!UUID.test(messageId)) throw notFound('message', '消息');
    return this.outbound.retry(messageId);
  }
}
