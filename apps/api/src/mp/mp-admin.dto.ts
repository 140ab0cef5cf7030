import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsInt, IsOptional, IsString } from 'class-validator';
import type { CreateMpQrCodeRequest, MpMenuButton, UpdateMpQrCodeRequest } from '@imbridge/contracts';

// Messages carry both languages: the validation pipe passes them through as they are.
const msg = (en: string, zh: string) => ({ message: `${en} (${zh})` });

/** PUT /api/integrations/:id/mp/menu: the draft. The buttons are checked by checkMpMenu (zh/en field errors). */
export class SaveMpMenuDto {
  @ApiProperty({
    description:
      '1–3 top buttons; a top button has either `sub_button` (1–5) or a `type`. Types: click, view, scancode_push, scancode_waitmsg, pic_sysphoto, pic_photo_or_album, pic_weixin, location_select, miniprogram',
    example: [
      { name: '今日歌曲', type: 'click', key: 'V1001_TODAY_MUSIC' },
      { name: '菜单', sub_button: [{ name: '搜索', type: 'view', url: 'https://www.soso.com/' }] },
    ],
  })
  @IsArray(msg('button must be a list of buttons', 'button 需为按钮列表'))
  button!: MpMenuButton[];
}

/** POST /api/integrations/:id/mp/qrcodes. Shapes here; limits in the service (zh/en field errors). */
export class CreateMpQrCodeDto implements CreateMpQrCodeRequest {
  @ApiProperty({ example: '门店 12', description: 'Shown in the console only; 1–64 characters' })
  @IsString(msg('name must be a string', 'name 需为字符串'))
  name!: string;

  @ApiProperty({ example: 'store-12', description: 'scene_str: 1–64 letters, digits, _ or -; unique per integration' })
  @IsString(msg('scene must be a string', 'scene 需为字符串'))
  scene!: string;

  @ApiProperty({ description: 'true: permanent (QR_LIMIT_STR_SCENE, never expires, cannot be revoked); false: temporary (QR_STR_SCENE)' })
  @IsBoolean(msg('permanent must be true or false', 'permanent 需为布尔值'))
  permanent!: boolean;

  @ApiPropertyOptional({ example: 604800, description: 'Temporary codes: 60–2592000 seconds (30 days), default 604800 (7 days); ignored for permanent codes' })
  @IsOptional()
  @IsInt(msg('expireSeconds must be a whole number of seconds', 'expireSeconds 需为整数秒'))
  expireSeconds?: number;

  @ApiPropertyOptional({ nullable: true, type: String, description: "Sent to a user who scans it (subscribe or SCAN), ≤ 600 characters; empty: the account's welcome text" })
  @IsOptional()
  @IsString(msg('welcomeText must be a string or null', 'welcomeText 需为字符串或 null'))
  welcomeText?: string | null;
}

/** PATCH /api/integrations/:id/mp/qrcodes/:qrId. */
export class UpdateMpQrCodeDto implements UpdateMpQrCodeRequest {
  @ApiPropertyOptional({ description: '1–64 characters' })
  @IsOptional()
  @IsString(msg('name must be a string', 'name 需为字符串'))
  name?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: "≤ 600 characters; null or empty: the account's welcome text" })
  @IsOptional()
  @IsString(msg('welcomeText must be a string or null', 'welcomeText 需为字符串或 null'))
  welcomeText?: string | null;
}
