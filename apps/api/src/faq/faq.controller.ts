import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaqEntryView } from '@imbridge/contracts';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { CreateFaqDto, type FaqImportReport, type FaqListResult, type FaqTestResult, FileFormatQuery, ImportFaqQuery, ListFaqQuery, TestFaqDto, UpdateFaqDto } from './faq.dto';
import { FaqService } from './faq.service';

const actorOf = (u: SessionUser, req: FastifyRequest) => ({ id: u.id, username: u.username, ip: req.ip });

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

function sendFile(reply: FastifyReply, format: 'csv' | 'xlsx', baseName: string, bytes: Buffer): void {
  const ascii = `${baseName}.${format}`;
  void reply
    .header('content-type', CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(ascii)}`)
    .header('cache-control', 'no-store')
    .send(bytes);
}

const stamp = (): string => new Date().toISOString().slice(0, 10).replace(/-/g, '');

/** FAQ knowledge base. Agents may read and use the test box; only administrators change entries. */
@ApiTags('faq')
@ApiBearerAuth()
@Controller('api/faq')
export class FaqController {
  constructor(private readonly faq: FaqService) {}

  @Get()
  @ApiOperation({ summary: 'Entries, newest first, filtered by text, category and scope' })
  @ApiQuery({ name: 'integrationId', required: false, description: "A UUID: that integration's own entries; 'null': entries for every integration; absent: all" })
  list(@Query() query: ListFaqQuery): Promise<FaqListResult> {
    return this.faq.list(query);
  }

  @Get('categories')
  @ApiOperation({ summary: 'Categories in use, sorted' })
  categories(): Promise<string[]> {
    return this.faq.categories();
  }

  @Get('export')
  @ApiOperation({ summary: 'Every entry (or one scope) as CSV (UTF-8 with BOM) or XLSX' })
  async export(@Query() query: FileFormatQuery, @Res() reply: FastifyReply): Promise<void> {
    const format = query.format ?? 'csv';
    sendFile(reply, format, `faq-${stamp()}`, await this.faq.export(format, query.integrationId));
  }

  @Get('template')
  @ApiOperation({ summary: 'An import template with the expected header and two examples' })
  async template(@Query() query: FileFormatQuery, @Res() reply: FastifyReply): Promise<void> {
    const format = query.format ?? 'csv';
    sendFile(reply, format, 'faq-template', await this.faq.template(format));
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Which entry would answer a sample question, its score and "did you mean" suggestions' })
  test(@Body() dto: TestFaqDto): Promise<FaqTestResult> {
    return this.faq.test(dto.integrationId ?? null, dto.text, dto.threshold);
  }

  @Post('import')
  @Roles('admin')
  @HttpCode(200)
  @ApiConsumes('text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOperation({ summary: 'Import a CSV or XLSX file (raw body). Row errors import nothing unless skipInvalid=true' })
  import(@Query() query: ImportFaqQuery, @Req() req: FastifyRequest, @CurrentUser() user: SessionUser): Promise<FaqImportReport> {
    return this.faq.import(req.body, req.headers['content-type'], query, actorOf(user, req));
  }

  @Post()
  @Roles('admin')
  create(@Body() dto: CreateFaqDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<FaqEntryView> {
    return this.faq.create(dto, actorOf(user, req));
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<FaqEntryView> {
    return this.faq.get(id);
  }

  @Put(':id')
  @Roles('admin')
  update(@Param('id') id: string, @Body() dto: UpdateFaqDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<FaqEntryView> {
    return this.faq.update(id, dto, actorOf(user, req));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  async remove(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<void> {
    await this.faq.remove(id, actorOf(user, req));
  }
}
