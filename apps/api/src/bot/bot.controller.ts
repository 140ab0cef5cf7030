import { Body, Controller, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { BotSettingsView } from '@imbridge/contracts';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { BotPipeline, type BotTestResult } from './bot-pipeline.service';
import { BotTestDto, UpdateBotSettingsDto } from './bot-settings.dto';
import { BotSettingsService } from './bot-settings.service';

@ApiTags('bot')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/integrations/:id/bot')
export class BotController {
  constructor(
    private readonly settings: BotSettingsService,
    private readonly pipeline: BotPipeline,
  ) {}

  @Get()
  @ApiOperation({ summary: "The integration's bot settings (defaults when never saved); the app secret only as {set, last4}" })
  get(@Param('id') id: string): Promise<BotSettingsView> {
    return this.settings.get(id);
  }

  @Put()
  @ApiOperation({ summary: 'Change the given fields; appSecret sets the key/secret (write-only), clearAppSecret removes it' })
  update(@Param('id') id: string, @Body() dto: UpdateBotSettingsDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<BotSettingsView> {
    return this.settings.update(id, dto, { id: user.id, username: user.username, ip: req.ip });
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'What the bot would answer to a message (dry run: nothing is sent or stored)' })
  async test(@Param('id') id: string, @Body() dto: BotTestDto): Promise<BotTestResult> {
    await this.settings.get(id); // 404 for an unknown integration
    return this.pipeline.dryRun(id, dto.text);
  }
}
