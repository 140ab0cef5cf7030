import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateIf } from 'class-validator';
import type { KeywordMatchType, KeywordReply } from '@imbridge/persistence';

export const MATCH_TYPES: KeywordMatchType[] = ['exact', 'contains', 'regex'];

/** What the API shows of a rule. */
export interface KeywordRuleView {
  id: string;
  integrationId: string | null;
  name: string;
  keywords: string[];
  matchType: KeywordMatchType;
  priority: number;
  enabled: boolean;
  reply: KeywordReply;
  createdAt: string;
  updatedAt: string;
}

export interface KeywordTestResult {
  matched: KeywordRuleView | null;
  keyword: string | null;
  /** How many enabled rules competed (the integration's and the global ones). */
  candidates: number;
}

const trimAll = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim() : v)) : value;

const REPLY_EXAMPLE = { type: 'text', text: '您好，价格表请见 https://example.com/price' };

export class CreateKeywordRuleDto {
  @ApiProperty({ nullable: true, type: String, description: 'null = every integration' })
  @ValidateIf((o: CreateKeywordRuleDto) => o.integrationId !== null)
  @IsUUID('all', { message: 'integrationId must be a UUID or null' })
  integrationId!: string | null;

  @ApiPropertyOptional({ example: '价格咨询' })
  @IsOptional()
  @IsString()
  @Length(0, 128)
  name?: string;

  @ApiProperty({ example: ['价格', '多少钱'], description: '1..50 keywords of 1..100 characters (trimmed); regex sources for matchType regex' })
  @Transform(trimAll)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  keywords!: string[];

  @ApiProperty({ enum: MATCH_TYPES })
  @IsIn(MATCH_TYPES)
  matchType!: KeywordMatchType;

  @ApiPropertyOptional({ default: 0, description: 'Higher wins' })
  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ example: REPLY_EXAMPLE, description: "{type:'text',text} | {type:'image',url} | {type:'news',articles:[{title,description?,url?,picUrl?}] (1..8)}" })
  @IsObject()
  reply!: Record<string, unknown>;
}

export class UpdateKeywordRuleDto {
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsUUID('all', { message: 'integrationId must be a UUID or null' })
  integrationId?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 128)
  name?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @Transform(trimAll)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  keywords?: string[];

  @ApiPropertyOptional({ enum: MATCH_TYPES })
  @IsOptional()
  @IsIn(MATCH_TYPES)
  matchType?: KeywordMatchType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: REPLY_EXAMPLE })
  @IsOptional()
  @IsObject()
  reply?: Record<string, unknown>;
}

export class TestKeywordRulesDto {
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Absent or null: only global rules compete' })
  @IsOptional()
  @IsUUID('all', { message: 'integrationId must be a UUID or null' })
  integrationId?: string | null;

  @ApiProperty({ example: '价格' })
  @IsString()
  @Length(0, 20000)
  text!: string;
}
