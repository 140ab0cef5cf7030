import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { CreateKeywordRuleDto, type KeywordRuleView, type KeywordTestResult, TestKeywordRulesDto, UpdateKeywordRuleDto } from './keyword-rule.dto';
import { KeywordRulesService } from './keyword-rules.service';

const actorOf = (u: SessionUser, req: FastifyRequest) => ({ id: u.id, username: u.username, ip: req.ip });

/** Agents may read rules and use the test box; only administrators change them. */
@ApiTags('keyword-rules')
@ApiBearerAuth()
@Controller('api/keyword-rules')
export class KeywordRulesController {
  constructor(private readonly rules: KeywordRulesService) {}

  @Get()
  @ApiOperation({ summary: 'Rules by priority (highest first), then oldest first' })
  @ApiQuery({ name: 'integrationId', required: false, description: "That integration's rules; 'null' for global rules; absent for all" })
  list(@Query('integrationId') integrationId?: string): Promise<KeywordRuleView[]> {
    return this.rules.list(integrationId);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Which rule would answer a sample message' })
  test(@Body() dto: TestKeywordRulesDto): Promise<KeywordTestResult> {
    return this.rules.test(dto.integrationId ?? null, dto.text);
  }

  @Post()
  @Roles('admin')
  create(@Body() dto: CreateKeywordRuleDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<KeywordRuleView> {
    return this.rules.create(dto, actorOf(user, req));
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<KeywordRuleView> {
    return this.rules.get(id);
  }

  @Put(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change the given fields' })
  update(@Param('id') id: string, @Body() dto: UpdateKeywordRuleDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<KeywordRuleView> {
    return this.rules.update(id, dto, actorOf(user, req));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  async remove(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<void> {
    await this.rules.remove(id, actorOf(user, req));
  }
}
