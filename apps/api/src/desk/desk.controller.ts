import { Body, Controller, Get, Param, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AgentView } from '@imbridge/contracts';
import { AuditService } from '../audit/audit.service';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { DataSource } from 'typeorm';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { PresenceService } from '../realtime/presence.service';
import { AgentCapacityDto, PresenceDto } from './desk.dto';

@ApiTags('desk')
@ApiBearerAuth()
@Controller('api/desk')
export class DeskController {
  constructor(
    private readonly ds: DataSource,
    private readonly presence: PresenceService,
    private readonly notifier: DeskNotifier,
    private readonly audit: AuditService,
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
  @ApiOperation({ summary: "Set a user's capacity (chats auto-assignment gives them at most, 0..100)" })
  async setCapacity(@Param('id') id: string, @Body() dto: AgentCapacityDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<AgentView> {
    if (!isUuid(id)) throw notFound('user', '用户');
    const before: { capacity: number }[] = await this.ds.query('SELECT capacity FROM users WHERE id = $1 AND NOT disabled', [id]);
    if (!before[0]) throw notFound('user', '用户');
    await this.ds.transaction(async (m) => {
      await m.query('UPDATE users SET capacity = $2, updated_at = now() WHERE id = $1', [id, dto.capacity]);
      await this.audit.record({ id: user.id, username: user.username, ip: req.ip }, 'user.capacity', { type: 'user', id }, { from: before[0]!.capacity, to: dto.capacity }, m);
    });
    this.notifier.presenceChanged(id);
    if (dto.capacity > before[0].capacity) this.notifier.queueChanged();
    return this.agent(id);
  }

  private async agent(id: string): Promise<AgentView> {
    const [agent] = await this.presence.agents(id);
    if (!agent) throw notFound('user', '用户');
    return agent;
  }
}
