import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { type VerificationFileView, VerificationFilesService } from './verification-files.service';

export class UploadVerificationFileDto {
  @ApiProperty({ example: 'WW_verify_AbCdEfGh12345678.txt', description: 'WW_verify_… or MP_verify_…, letters and digits, .txt' })
  @IsString()
  @MaxLength(128)
  fileName!: string;

  @ApiProperty({ example: 'AbCdEfGh12345678', description: 'The file content, at most 1 KB of printable text; served byte for byte' })
  @IsString()
  @MaxLength(4096)
  content!: string;
}

@ApiTags('verification-files')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/verification-files')
export class VerificationFilesController {
  constructor(private readonly files: VerificationFilesService) {}

  @Get()
  @ApiOperation({ summary: 'Domain verification files served at the site root' })
  list(): Promise<VerificationFileView[]> {
    return this.files.list();
  }

  @Post()
  @ApiOperation({ summary: 'Upload (or replace) a WW_verify_/MP_verify_ file; served at GET /<fileName> as text/plain' })
  create(@Body() dto: UploadVerificationFileDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<VerificationFileView> {
    return this.files.put(dto.fileName, dto.content, { id: user.id, username: user.username, ip: req.ip });
  }

  @Delete(':fileName')
  @HttpCode(204)
  async remove(@Param('fileName') fileName: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<void> {
    await this.files.remove(fileName, { id: user.id, username: user.username, ip: req.ip });
  }
}
