import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, type SessionUser } from '../auth/auth.decorators';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { contentDisposition, normalizeContentType } from './media-files';
import { ConversationAccess } from '../conversations/conversation-access';
import { mediaFileView, MediaService, type MediaFileView } from './media.service';

/** Inbound media and agents' uploaded images, for agents and administrators (any signed-in user). */
@ApiTags('media')
@ApiBearerAuth()
@Controller('api/media')
export class MediaController {
  constructor(
    private readonly media: MediaService,
    private readonly access: ConversationAccess,
  ) {}

  /** The file, when it exists and `user` may see it (ConversationAccess.mediaVisible); else 404. */
  private async visibleFile(id: string, user: SessionUser) {
    const row = isUuid(id) ? await this.media.get(id) : null;
    if (!row || !(await this.access.mediaVisible(user, row))) throw notFound('media file', '文件');
    return row;
  }

  @Post('upload')
  @HttpCode(201)
  @ApiOperation({ summary: 'Upload an image to send (raw bytes; image/png, image/jpeg or image/gif; ≤ 10 MB); then POST /api/conversations/:id/messages {type: "image", mediaId}' })
  @ApiConsumes('image/png', 'image/jpeg', 'image/gif')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiQuery({ name: 'fileName', required: false })
  upload(@Req() req: FastifyRequest, @CurrentUser() user: SessionUser, @Query('fileName') fileName?: string): Promise<{ id: string; contentType: string; size: number; fileName: string }> {
    return this.media.storeUpload(req.body, req.headers['content-type'], fileName, user.id);
  }

  @Get(':id/info')
  @ApiOperation({ summary: 'State of a media file: pending, stored (with type, name, size, sha256) or failed (with the reason)' })
  async info(@Param('id') id: string, @CurrentUser() user: SessionUser): Promise<MediaFileView> {
    return mediaFileView(await this.visibleFile(id, user));
  }

  @Get(':id')
  @ApiOperation({ summary: 'The bytes of a stored media file; 409 while downloading, 410 when the platform no longer has it' })
  async download(@Param('id') id: string, @CurrentUser() user: SessionUser, @Res() reply: FastifyReply): Promise<void> {
    const row = await this.visibleFile(id, user);
    if (row.status === 'pending') throw new ApiError(409, 'MEDIA_PENDING', 'the file is still being downloaded from the platform', '文件仍在从平台下载中');
    if (row.status === 'failed' || !row.storedPath) {
      throw new ApiError(410, 'MEDIA_FAILED', `the file could not be downloaded: ${row.error?.message ?? 'unknown reason'}`, '文件下载失败（可能已超过平台的 3 天有效期）', row.error);
    }
    const full = this.media.absolute(row.storedPath);
    const st = await stat(full).catch(() => null);
    if (!st?.isFile()) throw new ApiError(410, 'MEDIA_MISSING', 'the stored file is missing from the media directory', '存储的文件已丢失');
    const contentType = normalizeContentType(row.contentType) ?? 'application/octet-stream';
    await reply
      .header('content-type', contentType)
      .header('content-length', String(st.size))
      .header('content-disposition', contentDisposition(contentType, row.fileName ?? 'file'))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=86400')
      .send(createReadStream(full));
  }
}
