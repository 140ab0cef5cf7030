import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString } from 'class-validator';
import type { KfHandoffTarget, KfPipeline, KfWelcome } from '@imbridge/contracts';

// Messages carry both languages: the validation pipe passes them through as they are.
const msg = (en: string, zh: string) => ({ message: `${en} (${zh})` });

export const KF_PIPELINES: KfPipeline[] = ['bot', 'human'];
export const KF_HANDOFF_TARGETS: KfHandoffTarget[] = ['console', 'wecom'];

/**
 * PUT /api/integrations/:id/kf/accounts/:openKfId: the fields to change. Shapes are checked here; the
 * limits (welcome text/menu, endMessage, servicer) by the service, with zh/en field errors.
 */
export class UpdateKfAccountDto {
  @ApiPropertyOptional({ description: 'This integration answers the account (false: its messages are not pulled)' })
  @IsOptional()
  @IsBoolean(msg('served must be true or false', 'served 需为布尔值'))
  served?: boolean;

  @ApiPropertyOptional({ enum: KF_PIPELINES, description: "'bot': the bot pipeline first; 'human': straight to the queue" })
  @IsOptional()
  @IsIn(KF_PIPELINES, msg("pipeline must be 'bot' or 'human'", 'pipeline 需为 bot 或 human'))
  pipeline?: KfPipeline;

  @ApiPropertyOptional({ enum: KF_HANDOFF_TARGETS, description: "Handoff to the console's agents, or to WeCom servicers" })
  @IsOptional()
  @IsIn(KF_HANDOFF_TARGETS, msg("handoff must be 'console' or 'wecom'", 'handoff 需为 console 或 wecom'))
  handoff?: KfHandoffTarget;

  @ApiPropertyOptional({ nullable: true, type: String, description: "With handoff 'wecom': the servicer userid (≤ 64 characters); null = WeCom's queue" })
  @IsOptional()
  @IsString(msg('servicerUserId must be a string or null', 'servicerUserId 需为字符串或 null'))
  servicerUserId?: string | null;

  @ApiPropertyOptional({
    description: "Welcome on enter_session: {enabled, type 'text'|'menu', text?, menu?: {head?, items: [{id, content}], tail?}}",
    example: { enabled: true, type: 'text', text: '您好，请问有什么可以帮您？' },
  })
  @IsOptional()
  @IsObject(msg('welcome must be an object', 'welcome 需为对象'))
  welcome?: KfWelcome;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Sent when a chat is closed from the console (≤ 2048 bytes); null or empty = none' })
  @IsOptional()
  @IsString(msg('endMessage must be a string or null', 'endMessage 需为字符串或 null'))
  endMessage?: string | null;
}

/** POST /api/integrations/:id/kf/accounts/:openKfId/links. */
export class CreateKfLinkDto {
  @ApiProperty({ example: 'homepage', description: '1-32 characters of 0-9 a-z A-Z _ -' })
  @IsString(msg('scene must be a string', 'scene 需为字符串'))
  scene!: string;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'order-1001', description: '≤ 128 bytes; appended URL-encoded as &scene_param=' })
  @IsOptional()
  @IsString(msg('sceneParam must be a string or null', 'sceneParam 需为字符串或 null'))
  sceneParam?: string | null;
}
