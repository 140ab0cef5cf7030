import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { KfSessionView } from '@imbridge/contracts';
import { KfSessionService } from './kf-session.service';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/conversations')
export class KfSessionController {
  constructor(private readonly sessions: KfSessionService) {}

  @Get(':id/kf-session')
  @ApiOperation({ summary: "微信客服: WeCom's session state of this chat as last seen or set, the state ours maps to, and the last sync error" })
  @ApiOkResponse({ description: 'KfSessionView' })
  @ApiNotFoundResponse({ description: 'No such conversation, or NOT_KF: not a wecom-kf chat' })
  view(@Param('id') id: string): Promise<KfSessionView> {
    return this.sessions.view(id);
  }
}
