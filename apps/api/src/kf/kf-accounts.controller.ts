import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { KfAccountsResponse, KfAccountView, KfContactLink, KfServicerView } from '@imbridge/contracts';
import { Roles } from '../auth/auth.decorators';
import { CreateKfLinkDto, UpdateKfAccountDto } from './kf-accounts.dto';
import { KfAccountsService } from './kf-accounts.service';

/** 微信客服 accounts of a wecom-kf integration: settings, contact links, servicers (404 for other platforms). */
@ApiTags('kf')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/integrations/:id/kf/accounts')
export class KfAccountsController {
  constructor(private readonly accounts: KfAccountsService) {}

  @Get()
  @ApiOperation({
    summary:
      "kf/account/list merged with the stored settings, links and pull state; on a platform error the stored accounts (onPlatform false) and platformError, still HTTP 200",
  })
  list(@Param('id') id: string): Promise<KfAccountsResponse> {
    return this.accounts.list(id);
  }

  @Put(':openKfId')
  @ApiOperation({ summary: "Change an account's settings (given fields only); 400 VALIDATION_FAILED with zh/en field errors; 404 for an account the platform does not list" })
  update(@Param('id') id: string, @Param('openKfId') openKfId: string, @Body() dto: UpdateKfAccountDto): Promise<KfAccountView> {
    return this.accounts.update(id, openKfId, dto);
  }

  @Post(':openKfId/links')
  @ApiOperation({ summary: 'A contact link for a scene (kf/add_contact_way): 201 new; 200 the stored link when the scene already has one; 502 PLATFORM_ERROR' })
  async addLink(
    @Param('id') id: string,
    @Param('openKfId') openKfId: string,
    @Body() dto: CreateKfLinkDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KfContactLink> {
    const { link, created } = await this.accounts.addLink(id, openKfId, dto);
    void reply.status(created ? 201 : 200);
    return link;
  }

  @Delete(':openKfId/links/:scene')
  @HttpCode(204)
  @ApiOperation({ summary: "Forget a scene's link here (WeCom cannot revoke it)" })
  async removeLink(@Param('id') id: string, @Param('openKfId') openKfId: string, @Param('scene') scene: string): Promise<void> {
    await this.accounts.removeLink(id, openKfId, scene);
  }

  @Get(':openKfId/servicers')
  @ApiOperation({ summary: 'kf/servicer/list: userids with status 0 receiving / 1 stopped; 502 PLATFORM_ERROR' })
  servicers(@Param('id') id: string, @Param('openKfId') openKfId: string): Promise<KfServicerView[]> {
    return this.accounts.servicers(id, openKfId);
  }
}
