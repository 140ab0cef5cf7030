import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { CannedReplyView } from '@imbridge/contracts';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { CannedRepliesService } from './canned-replies.service';
import { CreateCannedReplyDto, UpdateCannedReplyDto } from './desk.dto';

const actorOf = (u: SessionUser, req: FastifyRequest) => ({ id: u.id, username: u.username, ip: req.ip });

@ApiTags('desk')
@ApiBearerAuth()
@Controller('api/canned-replies')
export class CannedRepliesController {
  constructor(private readonly replies: CannedRepliesService) {}

  @Get()
  @ApiOperation({ summary: 'Canned replies, by shortcut (any signed-in user)' })
  list(): Promise<CannedReplyView[]> {
    return this.replies.list();
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a canned reply' })
  @ApiConflictResponse({ description: 'SHORTCUT_TAKEN' })
  create(@Body() dto: CreateCannedReplyDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<CannedReplyView> {
    return this.replies.create(dto, actorOf(user, req));
  }

  @Put(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a canned reply' })
  @ApiConflictResponse({ description: 'SHORTCUT_TAKEN' })
  update(@Param('id') id: string, @Body() dto: UpdateCannedReplyDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<CannedReplyView> {
    return this.replies.update(id, dto, actorOf(user, req));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a canned reply' })
  async remove(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<void> {
    await this.replies.remove(id, actorOf(user, req));
  }
}
