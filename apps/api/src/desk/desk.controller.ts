import { Body, Controller, Get, Optional, Param, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AgentView } from '@imbridge/contracts';
import { AuditService } from '../audit/audit.service';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { DataSource } from 'typeorm';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { DeskSocketServer } from '../realtime/desk-socket.server';
import { PresenceService } from '../realtime/presence.service';
import { AgentSettingsDto, PresenceDto } from './desk.dto';

@ApiTags('desk')
@ApiBearerAuth()
@Controller('api/desk')
export class DeskController {
  constructor(
    private readonly ds: DataSource,
    private readonly presence: PresenceService,
    private readonly notifier: DeskNotifier,
    private readonly audit: AuditService,
    @Optional() private readonly sockets?: DeskSocketServer,
  ) {}

  @Get('agents')
  @ApiOperation({ summary: 'Enabled users with presence (offline without a connected console), capacity and active chats' })
  agents(): Promise<AgentView[]> {
    return this.presence.agents();
  }

  @Put('presence')
  @ApiOperation({ summary: "The caller's chosen presence (online/away); shown as offline while no console socket is connected" })
  async setPresence(@Body() dto: PresenceDto, @CurrentUser() user: SessionUser): Promise<AgentView> {
    await this.presence.choose(user.id, dto.status);
    this.notifier.presenceChanged(user.id);
    // Back from away: the queue may have chats for this agent now.
    if (dto.status === 'online') this.notifier.queueChanged();
    return this.agent(user.id);
  }

  @Put('agents/:id')
  @Roles('admin')
  @ApiOperation({ summary: "Set a user's capacity (chats auto-assignment gives them at most, 0..100) and/or whether an agent sees every chat" })
  async setAgent(@Param('id') id: string, @Body() dto: AgentSettingsDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<AgentView> {
    if (!isUuid(id)) throw notFound('user', '用户');
    if (dto.capacity === undefined && dto.canViewAllChats === undefined) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'give capacity and/or canViewAllChats', '请提供 capacity 或 canViewAllChats');
    }
    const before: { capacity: number; can_view_all_chats: boolean }[] = await this.ds.query('SELECT capacity, can_view_all_chats FROM users WHERE id = $1 AND NOT disabled', [id]);
    if (!before[0]) throw notFound('user', '用户');
    const was = before[0];
    const actor = { id: user.id, username: user.username, ip: req.ip };
    await this.ds.transaction(async (m) => {
      if (dto.capacity !== undefined) {
        await m.query('UPDATE users SET capacity = $2, updated_at = now() WHERE id = $1', [id, dto.capacity]);
        await this.audit.record(actor, 'user.capacity', { type: 'user', id }, { from: was.capacity, to: dto.capacity }, m);
      }
      if (dto.canViewAllChats !== undefined && dto.canViewAllChats !== was.can_view_all_chats) {
        await m.query('UPDATE users SET can_view_all_chats = $2, updated_at = now() WHERE id = $1', [id, dto.canViewAllChats]);
        await this.audit.record(actor, 'user.view_all_chats', { type: 'user', id }, { from: was.can_view_all_chats, to: dto.canViewAllChats }, m);
      }
    });
    // Requests check the grant as stored on every call; open consoles join or leave the room now.
    if (dto.canViewAllChats !== undefined) this.sockets?.setViewAllChats(id, dto.canViewAllChats);
    this.notifier.presenceChanged(id);
    if (dto.capacity !== undefined && dto.capacity > was.capacity) this.notifier.queueChanged();
    return this.agent(id);
  }

  private async agent(id: string): Promise<AgentView> {
    const [agent] = await this.presence.agents(id);
    if (!agent) throw notFound('user', '用户');
    return agent;
  }
}
