import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class PresenceDto {
  @ApiProperty({ enum: ['online', 'away'] })
  @IsIn(['online', 'away'], { message: 'status must be online or away / 状态只能是 online 或 away' })
  status!: 'online' | 'away';
}

/** PUT /api/desk/agents/:id: either setting or both. */
export class AgentSettingsDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'Chats auto-assignment gives this user at most (0 = none)' })
  @IsOptional()
  @IsInt({ message: 'capacity must be a whole number / 接待上限必须是整数' })
  @Min(0, { message: 'capacity must be 0..100 / 接待上限须在 0 到 100 之间' })
  @Max(100, { message: 'capacity must be 0..100 / 接待上限须在 0 到 100 之间' })
  capacity?: number;

  @ApiPropertyOptional({ description: 'An agent sees every chat (reads only; replying still needs the chat assigned to them). Admins see every chat anyway.' })
  @IsOptional()
  @IsBoolean({ message: 'canViewAllChats must be true or false / canViewAllChats 只能是 true 或 false' })
  canViewAllChats?: boolean;
}

export const SHORTCUT_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export class CreateCannedReplyDto {
  @ApiProperty({ example: 'hours', description: 'Typed after / in the composer: 1-32 letters, digits, - or _' })
  @Transform(trim)
  @IsString()
  @Matches(SHORTCUT_PATTERN, { message: 'shortcut: 1-32 letters, digits, - or _ / 快捷短语只能包含 1-32 个字母、数字、- 或 _' })
  shortcut!: string;

  @ApiPropertyOptional({ example: '营业时间' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(0, 64, { message: 'title: at most 64 characters / 标题最多 64 个字符' })
  title?: string;

  @ApiProperty({ example: '我们的营业时间是工作日 9:00-18:00。' })
  @IsString()
  @Length(1, 4000, { message: 'text: 1-4000 characters / 内容须为 1-4000 个字符' })
  text!: string;
}

export class UpdateCannedReplyDto {
  @ApiPropertyOptional({ example: 'hours' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(SHORTCUT_PATTERN, { message: 'shortcut: 1-32 letters, digits, - or _ / 快捷短语只能包含 1-32 个字母、数字、- 或 _' })
  shortcut?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(0, 64, { message: 'title: at most 64 characters / 标题最多 64 个字符' })
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 4000, { message: 'text: 1-4000 characters / 内容须为 1-4000 个字符' })
  text?: string;
}
