import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { KfSessionView } from '@imbridge/contracts';
import { CurrentUser, type SessionUser } from '../auth/auth.decorators';
import { ConversationAccess } from '../conversations/conversation-access';
import { KfSessionService } from './kf-session.service';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/conversations')
export class KfSessionController {
  constructor(
    private readonly sessions: KfSessionService,
    private readonly access: ConversationAccess,
  ) {}

  @Get(':id/kf-session')
  @ApiOperation({ summary: "微信客服: WeCom's session state of this chat as last seen or set, the state ours maps to, and the last sync error" })
  @ApiOkResponse({ description: 'KfSessionView' })
  @ApiNotFoundResponse({ description: 'No such conversation, or NOT_KF: not a wecom-kf chat' })
  async view(@Param('id') id: string, @CurrentUser() user: SessionUser): Promise<KfSessionView> {
    await this.access.assertVisible(user, id);
    return this.sessions.view(id);
  }
}
