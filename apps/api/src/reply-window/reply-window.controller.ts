import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ReplyWindowView } from '@imbridge/contracts';
import { CurrentUser, type SessionUser } from '../auth/auth.decorators';
import { ConversationAccess } from '../conversations/conversation-access';
import { ReplyWindowService } from './reply-window.service';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/conversations')
export class ReplyWindowController {
  constructor(
    private readonly windows: ReplyWindowService,
    private readonly access: ConversationAccess,
  ) {}

  @Get(':id/reply-window')
  @ApiOperation({ summary: "The platform's reply window for this chat: open or not, until when, messages left, and why" })
  @ApiOkResponse({ description: 'ReplyWindowView; limited: false when the platform has no window' })
  @ApiNotFoundResponse({ description: 'No such conversation' })
  async view(@Param('id') id: string, @CurrentUser() user: SessionUser): Promise<ReplyWindowView> {
    await this.access.assertVisible(user, id);
    return this.windows.view(id);
  }
}
