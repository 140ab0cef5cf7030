import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { MpMenuView, MpQrCodeView, MpStatusView } from '@imbridge/contracts';
import type { AuditActor } from '../audit/audit.service';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { CreateMpQrCodeDto, SaveMpMenuDto, UpdateMpQrCodeDto } from './mp-admin.dto';
import { MpAdminService } from './mp-admin.service';

const actorOf = (user: SessionUser, req: FastifyRequest): AuditActor => ({ id: user.id, username: user.username, ip: req.ip });

/**
 * 公众号 administration of an mp integration: status, custom menu, parameterized QR codes.
 * 404 for an unknown integration, 400 WRONG_PLATFORM for one of another platform.
 */
@ApiTags('mp')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/integrations/:id/mp')
export class MpAdminController {
  constructor(private readonly admin: MpAdminService) {}

  @Get('status')
  @ApiOperation({
    summary:
      'How answers reach users (customer-service API or passive replies, and why), the encryption mode with a warning for plain/compatible, and whether the account may use menus (service or verified) and QR codes (verified service account)',
  })
  status(@Param('id') id: string): Promise<MpStatusView> {
    return this.admin.status(id);
  }

  @Get('menu')
  @ApiOperation({
    summary:
      'The saved draft and the live menu (menu/get; null when the account has none). When menu/get fails, the last published copy is shown with platformError {code, message zh/en}, still HTTP 200',
  })
  menu(@Param('id') id: string): Promise<MpMenuView> {
    return this.admin.menu(id);
  }

  @Put('menu')
  @ApiOperation({
    summary:
      "Save the draft (not published). Checked with WeChat's rules: 1–3 top buttons, 1–5 sub buttons, names ≤ 16 / 60 bytes, keys ≤ 128 bytes, http(s) urls ≤ 1024 bytes; 400 VALIDATION_FAILED with zh/en field errors such as button[1].sub_button[0].url",
  })
  saveMenu(@Param('id') id: string, @Body() dto: SaveMpMenuDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<MpMenuView> {
    return this.admin.saveDraft(id, { button: dto.button }, actorOf(user, req));
  }

  @Post('menu/publish')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Publish the saved draft with menu/create (replaces the live menu). 400 NO_DRAFT without a draft; platform errors: 409 PLATFORM_ERROR (e.g. 48001: menus need a service or verified account; IP whitelist; AppSecret) or 502 PLATFORM_ERROR, details.platformCode = the errcode',
  })
  publish(@Param('id') id: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<MpMenuView> {
    return this.admin.publish(id, actorOf(user, req));
  }

  @Get('qrcodes')
  @ApiOperation({ summary: 'Parameterized QR codes made here, newest first' })
  listQrCodes(@Param('id') id: string): Promise<MpQrCodeView[]> {
    return this.admin.listQrCodes(id);
  }

  @Post('qrcodes')
  @ApiOperation({
    summary:
      'Make a QR code (qrcode/create with a string scene: QR_LIMIT_STR_SCENE permanent, QR_STR_SCENE temporary 60–2592000 s, default 7 days). The scene comes back in subscribe/SCAN events. 409 SCENE_TAKEN when the integration already has the scene; 409/502 PLATFORM_ERROR (48001: verified service accounts only)',
  })
  createQrCode(@Param('id') id: string, @Body() dto: CreateMpQrCodeDto, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<MpQrCodeView> {
    return this.admin.createQrCode(id, dto, actorOf(user, req));
  }

  @Patch('qrcodes/:qrId')
  @ApiOperation({ summary: 'Rename a QR code or change its welcome text (the code itself does not change)' })
  updateQrCode(
    @Param('id') id: string,
    @Param('qrId') qrId: string,
    @Body() dto: UpdateMpQrCodeDto,
    @CurrentUser() user: SessionUser,
    @Req() req: FastifyRequest,
  ): Promise<MpQrCodeView> {
    return this.admin.updateQrCode(id, qrId, dto, actorOf(user, req));
  }

  @Delete('qrcodes/:qrId')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Forget a QR code here. WeChat has no API to revoke a QR code: a permanent one keeps working (scans still reach the account, without this code\'s welcome text); a temporary one until it expires',
  })
  async deleteQrCode(@Param('id') id: string, @Param('qrId') qrId: string, @CurrentUser() user: SessionUser, @Req() req: FastifyRequest): Promise<void> {
    await this.admin.deleteQrCode(id, qrId, actorOf(user, req));
  }
}
