import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { BotStepKind } from '@imbridge/contracts';

export const STEP_KINDS: BotStepKind[] = ['keyword', 'faq', 'app'];
export const APP_KINDS = ['openai', 'webhook'] as const;

// Messages carry both languages: the validation pipe passes them through as they are.
const msg = (en: string, zh: string) => ({ message: `${en} (${zh})` });

export class BotStepDto {
  @ApiProperty({ enum: STEP_KINDS })
  @IsIn(STEP_KINDS, msg("step must be 'keyword', 'faq' or 'app'", '步骤需为 keyword、faq 或 app'))
  step!: BotStepKind;

  @ApiProperty()
  @IsBoolean(msg('enabled must be true or false', 'enabled 需为布尔值'))
  enabled!: boolean;
}

export class ExternalAppDto {
  @ApiProperty({ enum: APP_KINDS })
  @IsIn(APP_KINDS, msg("kind must be 'openai' or 'webhook'", '外部应用类型需为 openai 或 webhook'))
  kind!: 'openai' | 'webhook';

  @ApiProperty({ example: 'https://api.example.com/v1', description: 'openai: base URL (before /chat/completions); webhook: the full URL' })
  @IsString(msg('url must be a string', '地址需为字符串'))
  @Length(1, 2048, msg('url must be 1..2048 characters', '地址长度需为 1 到 2048 个字符'))
  url!: string;

  @ApiPropertyOptional({ example: 'gpt-4o-mini' })
  @IsOptional()
  @IsString(msg('model must be a string', '模型需为字符串'))
  @MaxLength(128, msg('model must be at most 128 characters', '模型名称不能超过 128 个字符'))
  model?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString(msg('systemPrompt must be a string', '系统提示词需为字符串'))
  @MaxLength(8000, msg('systemPrompt must be at most 8000 characters', '系统提示词不能超过 8000 个字符'))
  systemPrompt?: string;

  @ApiProperty({ minimum: 0, maximum: 50 })
  @IsInt(msg('historyMessages must be a whole number', '历史消息条数需为整数'))
  @Min(0, msg('historyMessages must be 0..50', '历史消息条数需为 0 到 50'))
  @Max(50, msg('historyMessages must be 0..50', '历史消息条数需为 0 到 50'))
  historyMessages!: number;

  @ApiProperty({ minimum: 1000, maximum: 60000 })
  @IsInt(msg('timeoutMs must be a whole number', '超时时间需为整数'))
  @Min(1000, msg('timeoutMs must be 1000..60000', '超时时间需为 1000 到 60000 毫秒'))
  @Max(60000, msg('timeoutMs must be 1000..60000', '超时时间需为 1000 到 60000 毫秒'))
  timeoutMs!: number;

  @ApiProperty()
  @IsBoolean(msg('stream must be true or false', 'stream 需为布尔值'))
  stream!: boolean;

  @ApiPropertyOptional({ example: '[[HANDOFF]]' })
  @IsOptional()
  @IsString(msg('handoffMarker must be a string', '转人工标记需为字符串'))
  @MaxLength(64, msg('handoffMarker must be at most 64 characters', '转人工标记不能超过 64 个字符'))
  handoffMarker?: string;
}

/** PUT /api/integrations/:id/bot: the fields given replace the stored ones; the rest are kept. */
export class UpdateBotSettingsDto {
  @ApiPropertyOptional({ type: [BotStepDto] })
  @IsOptional()
  @IsArray(msg('steps must be an array', 'steps 需为数组'))
  @ArrayMinSize(1, msg('steps must list 1..3 steps', 'steps 需包含 1 到 3 个步骤'))
  @ArrayMaxSize(3, msg('steps must list 1..3 steps', 'steps 需包含 1 到 3 个步骤'))
  @ValidateNested({ each: true })
  @Type(() => BotStepDto)
  steps?: BotStepDto[];

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, msg('faqThreshold must be a number', 'FAQ 阈值需为数字'))
  @Min(0, msg('faqThreshold must be 0..1', 'FAQ 阈值需为 0 到 1'))
  @Max(1, msg('faqThreshold must be 0..1', 'FAQ 阈值需为 0 到 1'))
  faqThreshold?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean(msg('faqSuggestions must be true or false', 'faqSuggestions 需为布尔值'))
  faqSuggestions?: boolean;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((o: UpdateBotSettingsDto) => o.fallbackText !== null)
  @IsString(msg('fallbackText must be a string or null', '兜底回复需为字符串或 null'))
  @MaxLength(2000, msg('fallbackText must be at most 2000 characters', '兜底回复不能超过 2000 个字符'))
  fallbackText?: string | null;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: '0 = never' })
  @IsOptional()
  @IsInt(msg('handoffAfterFailures must be a whole number', '连续失败次数需为整数'))
  @Min(0, msg('handoffAfterFailures must be 0..100', '连续失败次数需为 0 到 100'))
  @Max(100, msg('handoffAfterFailures must be 0..100', '连续失败次数需为 0 到 100'))
  handoffAfterFailures?: number;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray(msg('handoffKeywords must be an array', '转人工关键词需为数组'))
  @ArrayMaxSize(50, msg('at most 50 handoff keywords', '转人工关键词最多 50 个'))
  @IsString({ each: true, ...msg('each handoff keyword must be a string', '转人工关键词需为字符串') })
  @Length(1, 32, { each: true, ...msg('each handoff keyword must be 1..32 characters', '每个转人工关键词需为 1 到 32 个字符') })
  handoffKeywords?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean(msg('autoAssign must be true or false', 'autoAssign 需为布尔值'))
  autoAssign?: boolean;

  @ApiPropertyOptional({ nullable: true, type: ExternalAppDto })
  @IsOptional()
  @ValidateIf((o: UpdateBotSettingsDto) => o.externalApp !== null)
  @ValidateNested()
  @Type(() => ExternalAppDto)
  externalApp?: ExternalAppDto | null;

  @ApiPropertyOptional({ description: 'The API key (openai) or HMAC secret (webhook); write-only' })
  @IsOptional()
  @IsString(msg('appSecret must be a string', '密钥需为字符串'))
  @Length(1, 4096, msg('appSecret must be 1..4096 characters', '密钥长度需为 1 到 4096 个字符'))
  appSecret?: string;

  @ApiPropertyOptional({ description: 'true removes the stored key/secret' })
  @IsOptional()
  @IsBoolean(msg('clearAppSecret must be true or false', 'clearAppSecret 需为布尔值'))
  clearAppSecret?: boolean;
}

export class BotTestDto {
  @ApiProperty({ example: '你们几点上班？' })
  @IsString(msg('text must be a string', 'text 需为字符串'))
  @Length(1, 20000, msg('text must be 1..20000 characters', 'text 需为 1 到 20000 个字符'))
  text!: string;
}
